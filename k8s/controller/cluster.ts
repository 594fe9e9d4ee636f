import type { KubeObject } from '../deploy/kube-object.js';
import type { DigitModel, DigitModelStatus } from './digit-model.js';
import type { LeaseStore } from './leader-election.js';
import type { JobObservation } from './reconcile.js';

/**
 * Everything the controller asks of the API server, in its own namespace, behind one small
 * interface: the reconcile loop is unit-tested against an in-memory fake, and runs against
 * kube-cluster.ts (KubeRest and client-node's Watch) for real.
 */
export interface ControllerCluster {
  readonly namespace: string;
  readonly leases: LeaseStore;
  /** Every DigitModel of the namespace. */
  listModels(): Promise<DigitModel[]>;
  /** One DigitModel, or null when it is gone. */
  readModel(name: string): Promise<DigitModel | null>;
  /**
   * Replaces the model's status through the status subresource, at the resourceVersion it was
   * read at; throws StatusConflictError when the model changed since (the next reconcile redoes it).
   */
  writeStatus(model: DigitModel, status: DigitModelStatus): Promise<void>;
  /** What became of a lifecycle Job; a succeeded one with its pod's termination message. */
  observeJob(name: string): Promise<JobObservation>;
  /** Creates a Job; one that exists already (same name) is left as it is. */
  createJob(job: KubeObject): Promise<'created' | 'exists'>;
  /**
   * Deletes (with their pods) the model's Jobs that still run for another generation than
   * `generation`: work the spec no longer asks for. Finished ones stay for people to read.
   * Returns the names deleted.
   */
  stopSupersededJobs(modelName: string, generation: number): Promise<string[]>;
  /**
   * Calls `onChange` with the name of a DigitModel whenever it or one of its Jobs changes, until
   * the signal aborts; reconnects by itself. Initial state arrives as changes too.
   */
  watch(onChange: (modelName: string) => void, onError: (error: unknown) => void, signal: AbortSignal): void;
}

/** The DigitModel changed between read and status write (HTTP 409). */
export class StatusConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StatusConflictError';
  }
}
