import type { DIGIT_MODEL_PHASES } from '../lib/digit-model-schema.js';

/**
 * A DigitModel as the controller reads and writes it: the shapes of the CRD's schema
 * (k8s/lib/digit-model-schema.ts) in TypeScript, and the one reading of its spec the reconcile
 * decisions work from.
 */

export type DigitModelPhase = (typeof DIGIT_MODEL_PHASES)[number];

export interface RetrainSpec {
  readonly epochs?: number;
  readonly seed?: number;
  readonly mnistSample?: number;
  readonly from?: string;
}

export interface GateSpec {
  readonly maxMnistDrop?: number;
  readonly minAgreement?: number;
  readonly maxP99Ms?: number;
}

export interface CanarySpec {
  readonly weight?: number;
  readonly durationSeconds?: number;
}

export interface DigitModelSpec {
  readonly version?: string;
  readonly retrain?: RetrainSpec;
  readonly gates?: GateSpec;
  readonly canary?: CanarySpec;
}

export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration: number;
}

export interface DigitModelStatus {
  readonly phase?: DigitModelPhase;
  readonly observedGeneration?: number;
  readonly conditions?: readonly Condition[];
  readonly activeVersion?: string;
  readonly candidateVersion?: string;
  readonly figures?: Readonly<Record<string, unknown>>;
  readonly jobs?: { readonly retrain?: string; readonly canary?: string; readonly promote?: string };
}

export interface DigitModel {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly uid: string;
    readonly generation: number;
    readonly resourceVersion: string;
  };
  readonly spec: DigitModelSpec;
  readonly status?: DigitModelStatus;
}

/** What the spec asks for, once read: one of the two things a DigitModel can want. */
export type Desired =
  | { readonly kind: 'version'; readonly version: string }
  | { readonly kind: 'retrain'; readonly retrain: RetrainSpec; readonly gates: GateSpec; readonly canary: CanarySpec };

/** A spec the API server let through but that asks for nothing coherent (the CRD's rule guards this too). */
export class InvalidSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSpecError';
  }
}

/** Reads the spec; throws InvalidSpecError unless exactly one of version and retrain is set. */
export function readDesired(spec: DigitModelSpec): Desired {
  const hasVersion = typeof spec.version === 'string' && spec.version !== '';
  const hasRetrain = spec.retrain !== undefined && spec.retrain !== null;
  if (hasVersion === hasRetrain) throw new InvalidSpecError('set exactly one of spec.version and spec.retrain');
  if (hasVersion) return { kind: 'version', version: spec.version! };
  return { kind: 'retrain', retrain: spec.retrain!, gates: spec.gates ?? {}, canary: spec.canary ?? {} };
}

/** True for the phases that end a generation's work until its spec changes. */
export function isFinalPhase(phase: DigitModelPhase | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Rejected' || phase === 'RolledBack' || phase === 'Failed';
}
