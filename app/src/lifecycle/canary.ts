import { setTimeout as sleep } from 'node:timers/promises';
import type { LiveStats, ModelDecision, ServingState } from '../models/model-registry.js';
import { DEFAULT_GATE_THRESHOLDS, runGates, type GateOptions, type GateResult, type GateThresholds } from './gates.js';
import { percent, type LifecycleDeps } from './lifecycle-deps.js';
import { changeServing } from './serving-change.js';

/**
 * The canary: after the gates pass, the candidate takes `weight` of live predictions for
 * `durationS`. The live figures every replica reports (predictions, failures, p99) and the
 * corrections users make to the canary's own answers are watched; crossing a threshold rolls
 * it back at once, otherwise it is promoted at the end. Both ends are compare-and-set changes
 * of the serving state, and both are recorded with the figures they were taken on.
 */

export interface CanaryThresholds {
  /** Largest share of the canary's predictions its model failed to answer. @default 0.01 */
  readonly maxFailureRate: number;
  /** Largest excess of the canary's corrected rate over the active's (absolute share). @default 0.05 */
  readonly maxCorrectedRateIncrease: number;
  /** Largest p99 of the canary's model call, ms (the replicas' interval p99s, weighted by predictions). @default 250 */
  readonly maxP99Ms: number;
  /** Rates are judged only once the canary answered this many predictions. @default 20 */
  readonly minPredictions: number;
}

export const DEFAULT_CANARY_THRESHOLDS: CanaryThresholds = { maxFailureRate: 0.01, maxCorrectedRateIncrease: 0.05, maxP99Ms: 250, minPredictions: 20 };

export interface CanaryOptions {
  /** Share of live predictions the canary takes, 0 < weight < 1. @default 0.1 */
  readonly weight: number;
  /** How long it runs before it is promoted, seconds. @default 60 */
  readonly durationS: number;
  /** How often the figures are read, ms. @default 2000 */
  readonly pollMs: number;
  readonly gates: GateThresholds;
  /** Where the gates measure agreement and p99 (a service URL: shadow replay). @default in-process */
  readonly gateOptions?: GateOptions;
  readonly thresholds: CanaryThresholds;
  /** Aborting rolls the canary back (decision rolled-back, "interrupted"). */
  readonly signal?: AbortSignal;
}

export const DEFAULT_CANARY_OPTIONS: CanaryOptions = { weight: 0.1, durationS: 60, pollMs: 2000, gates: DEFAULT_GATE_THRESHOLDS, thresholds: DEFAULT_CANARY_THRESHOLDS };

/** What the canary is judged on; recorded with the decision. */
export interface CanaryFigures {
  readonly [name: string]: number | string | null;
  readonly active: string;
  readonly weight: number;
  readonly seconds: number;
  readonly canaryPredictions: number;
  readonly canaryFailures: number;
  readonly failureRate: number | null;
  /** Corrections (a label other than the answer) of the canary's predictions made since it started. */
  readonly canaryCorrections: number;
  readonly correctedRate: number | null;
  readonly activePredictions: number;
  readonly activeCorrections: number;
  readonly activeCorrectedRate: number | null;
  readonly canaryP99Ms: number | null;
  readonly activeP99Ms: number | null;
}

/** The failed checks (empty: healthy so far); pure. */
export function judgeCanary(figures: CanaryFigures, thresholds: CanaryThresholds): string[] {
  const failures: string[] = [];
  if (figures.canaryPredictions < thresholds.minPredictions) return failures;
  if (figures.failureRate !== null && figures.failureRate > thresholds.maxFailureRate) {
    failures.push(`failure rate ${percent(figures.failureRate)} > ${percent(thresholds.maxFailureRate)} (${figures.canaryFailures} of ${figures.canaryPredictions})`);
  }
  const activeRate = figures.activeCorrectedRate ?? 0;
  if (figures.correctedRate !== null && figures.correctedRate > activeRate + thresholds.maxCorrectedRateIncrease) {
    failures.push(
      `corrected rate ${percent(figures.correctedRate)} (${figures.canaryCorrections} of ${figures.canaryPredictions}) > active's ${percent(activeRate)} + ${percent(thresholds.maxCorrectedRateIncrease)}`,
    );
  }
  if (figures.canaryP99Ms !== null && figures.canaryP99Ms > thresholds.maxP99Ms) {
    failures.push(`model call p99 ${figures.canaryP99Ms.toFixed(1)} ms > ${thresholds.maxP99Ms} ms`);
  }
  return failures;
}

interface LiveTotals {
  readonly predictions: number;
  readonly failures: number;
  readonly p99Ms: number | null;
}

function sumLive(stats: readonly LiveStats[]): LiveTotals {
  let predictions = 0;
  let failures = 0;
  let weightedP99 = 0;
  for (const s of stats) {
    predictions += s.predictions;
    failures += s.failures;
    weightedP99 += s.p99Ms * s.predictions;
  }
  return { predictions, failures, p99Ms: predictions > 0 ? weightedP99 / predictions : null };
}

const rate = (part: number, whole: number): number | null => (whole > 0 ? Math.min(1, part / whole) : null);

/** Reads the figures of the canary window that started at `since`. */
export async function measureCanary(deps: LifecycleDeps, canary: string, active: string, weight: number, since: Date): Promise<CanaryFigures> {
  const [canaryLive, activeLive, corrections] = await Promise.all([deps.registry.liveStats(canary, since), deps.registry.liveStats(active, since), deps.store.corrections()]);
  const corrected = (version: string): number => corrections.filter((c) => c.modelVersion === version && c.label !== c.digit && c.createdAt >= since).length;
  const c = sumLive(canaryLive);
  const a = sumLive(activeLive);
  const canaryCorrections = corrected(canary);
  const activeCorrections = corrected(active);
  return {
    active,
    weight,
    seconds: Math.round(((deps.now?.() ?? new Date()).getTime() - since.getTime()) / 100) / 10,
    canaryPredictions: c.predictions,
    canaryFailures: c.failures,
    failureRate: rate(c.failures, c.predictions),
    canaryCorrections,
    correctedRate: rate(canaryCorrections, c.predictions),
    activePredictions: a.predictions,
    activeCorrections,
    activeCorrectedRate: rate(activeCorrections, a.predictions),
    canaryP99Ms: c.p99Ms,
    activeP99Ms: a.p99Ms,
  };
}

export interface CanaryResult {
  readonly version: string;
  readonly decision: 'promoted' | 'rolled-back' | 'gate-rejected';
  readonly reason: string;
  /** Absent when only the canary ran (watchCanary). */
  readonly gate?: GateResult;
  /** Absent when the gates rejected it. */
  readonly canary?: CanaryFigures;
  readonly state: ServingState | null;
}

async function record(deps: LifecycleDeps, version: string, kind: ModelDecision['kind'], reason: string, figures: ModelDecision['figures']): Promise<void> {
  await deps.registry.recordDecision({ at: deps.now?.() ?? new Date(), version, kind, reason, figures });
  deps.log(`${kind}: ${reason}`);
}

/** Clears the canary if it is still ours; the active version is left as it is. */
async function rollBack(deps: LifecycleDeps, version: string, why: string): Promise<ServingState | null> {
  return changeServing(deps.registry, (current) =>
    current !== null && current.canary?.version === version ? { active: current.active, canary: null, reason: `roll back canary ${version}: ${why}` } : null,
  );
}

/** Gates, then the weighted canary, then promote or roll back. */
export async function runCanary(deps: LifecycleDeps, version: string, options: CanaryOptions = DEFAULT_CANARY_OPTIONS): Promise<CanaryResult> {
  if (!(options.weight > 0 && options.weight < 1)) throw new RangeError(`canary weight ${options.weight} is not between 0 and 1`);
  const gate = await runGates(deps, version, options.gates, options.gateOptions);
  if (gate.decision === 'gate-rejected') {
    return { version, decision: 'gate-rejected', reason: gate.reason, gate, state: await deps.registry.serving() };
  }
  return { ...(await watchCanary(deps, version, gate.figures.active, options)), gate };
}

/**
 * The canary proper, for a candidate that passed its gates against `active`: starts it, watches
 * it, and promotes it or rolls it back.
 */
export async function watchCanary(deps: LifecycleDeps, version: string, active: string, options: Omit<CanaryOptions, 'gates'>): Promise<Omit<CanaryResult, 'gate'>> {
  if (!(options.weight > 0 && options.weight < 1)) throw new RangeError(`canary weight ${options.weight} is not between 0 and 1`);
  await changeServing(deps.registry, (current) => {
    if (current === null) throw new Error('no version is active');
    if (current.active !== active) throw new Error(`the active version changed to ${current.active} while ${version} was gated against ${active}: gate it again`);
    if (current.canary?.version === version && current.canary.weight === options.weight) return null;
    if (current.canary !== null && current.canary.version !== version) throw new Error(`another canary (${current.canary.version}) is running`);
    return { active, canary: { version, weight: options.weight }, reason: `canary ${version} at ${percent(options.weight)}: gates passed` };
  });
  const since = deps.now?.() ?? new Date();
  await record(deps, version, 'canary-started', `${percent(options.weight)} of live predictions for ${options.durationS} s`, { active, weight: options.weight, durationS: options.durationS });

  const deadline = since.getTime() + options.durationS * 1000;
  let figures = await measureCanary(deps, version, active, options.weight, since);
  try {
    while ((deps.now?.() ?? new Date()).getTime() < deadline) {
      await sleep(Math.min(options.pollMs, Math.max(0, deadline - (deps.now?.() ?? new Date()).getTime())), undefined, { signal: options.signal });
      figures = await measureCanary(deps, version, active, options.weight, since);
      const state = await deps.registry.serving();
      if (state?.canary?.version !== version || state.active !== active) {
        const reason = `the canary was ended by another writer (${state?.reason ?? 'no serving state'})`;
        await record(deps, version, 'rolled-back', reason, figures);
        return { version, decision: 'rolled-back', reason, canary: figures, state };
      }
      const failures = judgeCanary(figures, options.thresholds);
      deps.log(`canary ${version} ${figures.seconds}s: ${figures.canaryPredictions} predictions, ${figures.canaryFailures} failed, ${figures.canaryCorrections} corrected (active: ${figures.activePredictions}, ${figures.activeCorrections}), p99 ${figures.canaryP99Ms?.toFixed(1) ?? 'n/a'} ms`);
      if (failures.length > 0) {
        const reason = failures.join('; ');
        const after = await rollBack(deps, version, reason);
        await record(deps, version, 'rolled-back', reason, figures);
        return { version, decision: 'rolled-back', reason, canary: figures, state: after };
      }
    }
  } catch (error) {
    // Interrupted or failed while watching: users must not be left on an unwatched canary.
    const why = options.signal?.aborted ? 'interrupted' : `the canary watch failed: ${error instanceof Error ? error.message : String(error)}`;
    const after = await rollBack(deps, version, why);
    await record(deps, version, 'rolled-back', why, figures);
    if (options.signal?.aborted) return { version, decision: 'rolled-back', reason: why, canary: figures, state: after };
    throw error;
  }
  const reason = `healthy for ${options.durationS} s: ${figures.canaryPredictions} predictions, ${figures.canaryFailures} failed, corrected rate ${percent(figures.correctedRate)} (active ${percent(figures.activeCorrectedRate)})`;
  let promoted = false;
  const after = await changeServing(deps.registry, (current) => {
    if (current === null || current.canary?.version !== version) return null;
    promoted = true;
    return { active: version, canary: null, reason: `promote ${version}: ${reason}` };
  });
  if (!promoted) {
    const why = `the canary was ended by another writer before it could be promoted (${after?.reason ?? 'no serving state'})`;
    await record(deps, version, 'rolled-back', why, figures);
    return { version, decision: 'rolled-back', reason: why, canary: figures, state: after };
  }
  await record(deps, version, 'promoted', reason, { ...figures, previous: active, revision: after?.revision ?? null });
  return { version, decision: 'promoted', reason, canary: figures, state: after };
}
