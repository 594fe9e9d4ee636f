import { errorMessage } from '../lib/errors.js';
import type { LifecycleStep } from '../lib/lifecycle-job.js';
import { setConditions, type ConditionChange } from './conditions.js';
import { isFinalPhase, readDesired, type Desired, type DigitModel, type DigitModelPhase, type DigitModelStatus } from './digit-model.js';
import { formatShare, parseCanaryResult, parsePromoteResult, parseRetrainResult } from './job-results.js';
import { canaryArgs, jobName, promoteArgs, retrainArgs } from './lifecycle-args.js';

/**
 * The reconcile decisions, pure: given a DigitModel and what became of the Job its phase waits
 * on, the status it should have and the Job to create, if any. Nothing here waits: a running Job
 * leaves everything as it is, and the controller comes back when the Job changes (watch) or at
 * the next resync. So a reconcile can run any number of times, on any replica that holds the
 * Lease, and do the same thing.
 *
 *   spec.retrain:  Pending -> Retraining -> Canary -> Succeeded | Rejected | RolledBack
 *   spec.version:  Pending -> Promoting -> Succeeded
 *   any Job failed or its result unreadable -> Failed; a new spec (generation) starts over.
 */

/** What became of a Job, as the controller observed it. */
export type JobObservation =
  | { readonly state: 'missing' }
  | { readonly state: 'running' }
  /** `message`: the container's termination message (the command's last JSON line), if any. */
  | { readonly state: 'succeeded'; readonly message: string | null }
  | { readonly state: 'failed'; readonly reason: string; readonly message: string };

export interface JobRequest {
  readonly step: LifecycleStep;
  readonly name: string;
  readonly args: readonly string[];
}

export interface ReconcilePlan {
  readonly status: DigitModelStatus;
  /** A Job to create (it may exist already: creating is idempotent by name). */
  readonly job?: JobRequest;
}

/** The steps the controller runs (the gates run inside `canary`). */
type ControllerStep = Exclude<LifecycleStep, 'gate'>;

const STEP_OF_PHASE: Partial<Record<DigitModelPhase, ControllerStep>> = { Retraining: 'retrain', Canary: 'canary', Promoting: 'promote' };

/** The Job the model's current phase waits on, or null when it waits on nothing. */
export function awaitedJob(model: DigitModel): string | null {
  const status = model.status;
  if (status?.observedGeneration !== model.metadata.generation || status.phase === undefined) return null;
  const step = STEP_OF_PHASE[status.phase];
  return step === undefined ? null : (status.jobs?.[step] ?? null);
}

export function decide(model: DigitModel, job: JobObservation | null, now: Date): ReconcilePlan {
  const status = model.status ?? {};
  const generation = model.metadata.generation;
  const next = (phase: DigitModelPhase, changes: ConditionChange[], extra: Partial<DigitModelStatus> = {}): DigitModelStatus => ({
    ...status,
    ...extra,
    phase,
    observedGeneration: generation,
    conditions: setConditions(status.conditions ?? [], changes, generation, now),
  });
  const fail = (reason: string, message: string, extra: ConditionChange[] = []): ReconcilePlan => ({
    status: next('Failed', [...extra, progressing(false, 'Failed', message), ready(false, reason, message)]),
  });

  if (status.observedGeneration !== generation || status.phase === undefined) {
    let desired: Desired;
    try {
      desired = readDesired(model.spec);
    } catch (error) {
      return fail('InvalidSpec', errorMessage(error));
    }
    return start(model, desired, next);
  }
  if (isFinalPhase(status.phase) || status.phase === 'Pending') return { status };
  const step = STEP_OF_PHASE[status.phase]!;
  const name = status.jobs?.[step] ?? jobName(model.metadata.name, step, generation);
  if (job === null || job.state === 'missing') {
    // Deleted before its result was read (by hand, or its TTL while no replica led): run it again.
    return { status, job: requestFor(model, step, name) };
  }
  if (job.state === 'running') return { status };
  if (job.state === 'failed') {
    const message = `Job ${name} failed (${job.reason}): ${job.message}`.trim();
    const retrained = step === 'retrain' ? [retrainedCondition(false, 'RetrainFailed', message)] : [];
    return fail(`${capitalize(step)}Failed`, message, retrained);
  }
  try {
    return afterSuccess(model, step, job.message, next);
  } catch (error) {
    return fail('ResultUnreadable', errorMessage(error));
  }
}

type Next = (phase: DigitModelPhase, changes: ConditionChange[], extra?: Partial<DigitModelStatus>) => DigitModelStatus;

function start(model: DigitModel, desired: Desired, next: Next): ReconcilePlan {
  const generation = model.metadata.generation;
  const reset = { candidateVersion: undefined, figures: undefined };
  if (desired.kind === 'version') {
    const name = jobName(model.metadata.name, 'promote', generation);
    const message = `promoting ${desired.version} (Job ${name})`;
    return {
      status: next('Promoting', [progressing(true, 'Promoting', message), ready(false, 'Promoting', message)], { ...reset, jobs: { promote: name } }),
      job: { step: 'promote', name, args: promoteArgs(desired.version) },
    };
  }
  const name = jobName(model.metadata.name, 'retrain', generation);
  const message = `retraining from the stored corrections (Job ${name})`;
  return {
    status: next('Retraining', [progressing(true, 'Retraining', message), ready(false, 'Retraining', message)], { ...reset, jobs: { retrain: name } }),
    job: { step: 'retrain', name, args: retrainArgs(desired.retrain) },
  };
}

function afterSuccess(model: DigitModel, step: ControllerStep, message: string | null, next: Next): ReconcilePlan {
  const status = model.status ?? {};
  const figures = status.figures ?? {};
  if (step === 'retrain') {
    const result = parseRetrainResult(message);
    const desired = readDesired(model.spec);
    if (desired.kind !== 'retrain') throw new Error('a retrain finished for a spec that asks for a version');
    const name = jobName(model.metadata.name, 'canary', model.metadata.generation);
    const published = `${result.version} from ${result.parent ?? 'scratch'}: MNIST test ${formatShare(result.figures.mnistTestAccuracy)}, ` +
      `held-out corrections ${formatShare(result.figures.heldOutCorrectionAccuracy)}`;
    const running = `gates and canary of ${result.version} (Job ${name})`;
    return {
      status: next('Canary', [retrainedCondition(true, 'CandidatePublished', published), progressing(true, 'Canary', running), ready(false, 'Canary', running)], {
        candidateVersion: result.version,
        figures: { ...figures, retrain: result.figures },
        jobs: { ...status.jobs, canary: name },
      }),
      job: { step: 'canary', name, args: canaryArgs(result.version, desired.canary, desired.gates) },
    };
  }
  if (step === 'canary') {
    const result = parseCanaryResult(message);
    const withFigures = { figures: { ...figures, canary: result.figures } };
    if (result.decision === 'promoted') {
      const done = `${result.version} passed the gates and the canary and serves`;
      return { status: next('Succeeded', [progressing(false, 'Succeeded', done), ready(true, 'Promoted', done)], { ...withFigures, activeVersion: result.version }) };
    }
    const rejected = result.decision === 'gate-rejected';
    const why = rejected ? `${result.version} was rejected by the gates` : `${result.version} was rolled back by the canary`;
    const detail = typeof result.figures.reason === 'string' ? `${why}: ${result.figures.reason}` : why;
    const phase = rejected ? 'Rejected' : 'RolledBack';
    return { status: next(phase, [progressing(false, phase, detail), ready(false, rejected ? 'GateRejected' : 'RolledBack', detail)], withFigures) };
  }
  const result = parsePromoteResult(message);
  const wanted = model.spec.version;
  const extra = { activeVersion: result.active, figures: { ...figures, promote: result.figures } };
  if (result.active !== wanted) {
    const why = `promote finished but ${result.active} serves, not ${wanted ?? '?'}`;
    return { status: next('Failed', [progressing(false, 'Failed', why), ready(false, 'NotActive', why)], extra) };
  }
  const done = `${result.active} serves`;
  return { status: next('Succeeded', [progressing(false, 'Succeeded', done), ready(true, 'Promoted', done)], extra) };
}

function requestFor(model: DigitModel, step: ControllerStep, name: string): JobRequest | undefined {
  const desired = readDesired(model.spec);
  if (step === 'promote' && desired.kind === 'version') return { step, name, args: promoteArgs(desired.version) };
  if (step === 'retrain' && desired.kind === 'retrain') return { step, name, args: retrainArgs(desired.retrain) };
  const candidate = model.status?.candidateVersion;
  if (step === 'canary' && desired.kind === 'retrain' && candidate !== undefined) return { step, name, args: canaryArgs(candidate, desired.canary, desired.gates) };
  return undefined;
}

const progressing = (status: boolean, reason: string, message: string): ConditionChange => ({ type: 'Progressing', status, reason, message });
const ready = (status: boolean, reason: string, message: string): ConditionChange => ({ type: 'Ready', status, reason, message });
const retrainedCondition = (status: boolean, reason: string, message: string): ConditionChange => ({ type: 'Retrained', status, reason, message });
const capitalize = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
