/**
 * The results of the lifecycle Jobs, read from their termination message (the last JSON line the
 * app's command printed: docs/model-lifecycle.md, k8s/lib/result-script.ts). Only the fields the
 * controller decides on are checked; the whole object is kept as the figures in status.
 */

export type JsonObject = Record<string, unknown>;

/** `mnist retrain`: the candidate it published. */
export interface RetrainResult {
  readonly version: string;
  readonly parent: string | null;
  readonly figures: JsonObject;
}

export const CANARY_DECISIONS = ['promoted', 'rolled-back', 'gate-rejected'] as const;
export type CanaryDecision = (typeof CANARY_DECISIONS)[number];

/** `mnist canary VERSION`: gate, then canary; what was decided. */
export interface CanaryResult {
  readonly version: string;
  readonly decision: CanaryDecision;
  readonly figures: JsonObject;
}

/** `mnist promote VERSION`: the serving state after it. */
export interface PromoteResult {
  readonly active: string;
  readonly figures: JsonObject;
}

/** A Job succeeded but its result is missing or not what its command prints. */
export class JobResultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobResultError';
  }
}

function parseObject(message: string | null, what: string): JsonObject {
  if (message === null || message.trim() === '') throw new JobResultError(`the ${what} Job left no result in its termination message`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw new JobResultError(`the ${what} Job's termination message is not JSON: ${message.slice(0, 200)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new JobResultError(`the ${what} Job's result is not a JSON object: ${message.slice(0, 200)}`);
  }
  return parsed as JsonObject;
}

function requireString(object: JsonObject, key: string, what: string): string {
  const value = object[key];
  if (typeof value !== 'string' || value === '') throw new JobResultError(`the ${what} Job's result has no "${key}": ${JSON.stringify(object).slice(0, 200)}`);
  return value;
}

export function parseRetrainResult(message: string | null): RetrainResult {
  const figures = parseObject(message, 'retrain');
  const parent = figures.parent;
  return { version: requireString(figures, 'version', 'retrain'), parent: typeof parent === 'string' ? parent : null, figures };
}

export function parseCanaryResult(message: string | null): CanaryResult {
  const figures = parseObject(message, 'canary');
  const decision = requireString(figures, 'decision', 'canary');
  if (!(CANARY_DECISIONS as readonly string[]).includes(decision)) {
    throw new JobResultError(`the canary Job decided "${decision}", expected one of ${CANARY_DECISIONS.join(', ')}`);
  }
  return { version: requireString(figures, 'version', 'canary'), decision: decision as CanaryDecision, figures };
}

export function parsePromoteResult(message: string | null): PromoteResult {
  const figures = parseObject(message, 'promote');
  return { active: requireString(figures, 'active', 'promote'), figures };
}

/** "99.31%" from 0.9931; "n/a" when the figure is absent. */
export function formatShare(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? `${(value * 100).toFixed(2)}%` : 'n/a';
}
