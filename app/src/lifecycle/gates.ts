import { readMnistTestSet, type MnistSet } from '../mnist/mnist-data.js';
import type { ModelDecision } from '../models/model-registry.js';
import { splitCorrections } from './correction-split.js';
import { accuracyOf, loadDigitModel, quantile, type DigitModel } from './digit-model.js';
import { percent, type LifecycleDeps } from './lifecycle-deps.js';
import { checkOutVersion, type ModelDir } from './model-dir.js';
import { readRecordedInputs } from './recorded-traffic.js';
import { replayShadow, trafficFromShadow, trafficWithoutRecorded, type TrafficFigures } from './traffic-figures.js';

/**
 * The gates a candidate passes before any user sees it, each against the active version on
 * the same data: the MNIST test set, the held-out corrections, recorded traffic (agreement),
 * and its p99. Measuring (measureGates) and judging (judgeGates) are apart, so the thresholds
 * are tested on figures alone.
 *
 * Where: MNIST and the held-out corrections always in-process (the same runtime the service
 * uses; 10,000 images twice through HTTP would load the service users are on, for the same
 * answers). Agreement and p99 in-process too, unless a running service is given: then by a
 * shadow replay of its recorded traffic through its API (traffic-figures.ts), so the candidate
 * is timed as users would wait for it. Each figure records which way it was measured.
 */

export interface GateThresholds {
  /** Largest drop of MNIST test accuracy below the active's, as a share (0.001 = 0.1 point). @default 0.001 */
  readonly maxMnistDrop: number;
  /** Smallest share of recorded (uncorrected) inputs on which candidate and active agree. @default 0.97 */
  readonly minAgreement: number;
  /** Most recent stored predictions read for the agreement. @default 1000 */
  readonly recordedPredictions: number;
  /** Largest p99 of the candidate's single-image model call, ms. @default 50 */
  readonly maxP99Ms: number;
  /** Single-image calls timed for the p99. @default 300 */
  readonly latencySamples: number;
}

export const DEFAULT_GATE_THRESHOLDS: GateThresholds = { maxMnistDrop: 0.001, minAgreement: 0.97, recordedPredictions: 1000, maxP99Ms: 50, latencySamples: 300 };

/** What the gates are decided on; also recorded with the decision. */
export interface GateFigures extends TrafficFigures {
  readonly [name: string]: number | string | null;
  readonly active: string;
  readonly candidateMnistAccuracy: number;
  readonly activeMnistAccuracy: number;
  readonly heldOutCorrections: number;
  /** null when there are no held-out corrections. */
  readonly candidateHeldOutAccuracy: number | null;
  readonly activeHeldOutAccuracy: number | null;
  /** Always in-process (see above). */
  readonly mnistMeasuredBy: 'in-process';
  readonly heldOutMeasuredBy: 'in-process';
}

export interface GateOptions {
  /** A running service (e.g. http://mnist:3000): agreement and p99 through it, by a shadow replay. */
  readonly serviceUrl?: string | undefined;
}

export interface GateVerdict {
  readonly passed: boolean;
  /** One sentence per gate, failed ones first. */
  readonly reasons: readonly string[];
}

/** Through the service, a candidate p99 up to this multiple of the active's counts as no slower. */
export const SERVICE_P99_TOLERANCE = 1.1;

/** Whether `figures` pass `thresholds`; pure. */
export function judgeGates(figures: GateFigures, thresholds: GateThresholds): GateVerdict {
  const failed: string[] = [];
  const passed: string[] = [];
  const check = (ok: boolean, sentence: string): void => void (ok ? passed : failed).push(sentence);
  const mnistFloor = figures.activeMnistAccuracy - thresholds.maxMnistDrop;
  // A hair of tolerance: accuracies are counts over 10,000, the floor a difference of floats.
  check(figures.candidateMnistAccuracy >= mnistFloor - 1e-9, `MNIST accuracy ${percent(figures.candidateMnistAccuracy)} ${figures.candidateMnistAccuracy >= mnistFloor - 1e-9 ? '>=' : '<'} ${percent(mnistFloor)} required (active ${percent(figures.activeMnistAccuracy)})`);
  if (figures.candidateHeldOutAccuracy === null || figures.activeHeldOutAccuracy === null) {
    passed.push('no held-out corrections to compare on');
  } else {
    const ok = figures.candidateHeldOutAccuracy >= figures.activeHeldOutAccuracy;
    check(ok, `held-out correction accuracy ${percent(figures.candidateHeldOutAccuracy)} ${ok ? '>=' : '<'} active's ${percent(figures.activeHeldOutAccuracy)} (${figures.heldOutCorrections} corrections)`);
  }
  const where = figures.agreementMeasuredBy === 'service' ? ` through the service at ${figures.serviceUrl}` : '';
  if (figures.agreement === null) {
    passed.push(`no recorded traffic to compare on${where === '' ? '' : ` (none recorded by the service at ${figures.serviceUrl})`}`);
  } else {
    const ok = figures.agreement >= thresholds.minAgreement;
    check(ok, `agreement with the active on ${figures.recordedInputs} recorded inputs${where} ${percent(figures.agreement)} ${ok ? '>=' : '<'} ${percent(thresholds.minAgreement)} required`);
  }
  if (figures.candidateFailures !== null && figures.activeFailures !== null) {
    // Requests the active answered and the candidate did not would fail users (or fall back, as a canary).
    const ok = figures.candidateFailures <= figures.activeFailures;
    check(ok, `shadow requests failed: candidate ${figures.candidateFailures} ${ok ? '<=' : '>'} active ${figures.activeFailures}`);
  }
  const timed = figures.p99MeasuredBy === 'service' ? 'request p99 through the service' : 'model call p99';
  const fast = figures.candidateP99Ms <= thresholds.maxP99Ms;
  // Through the service a request's p99 includes the queueing behind other users' traffic,
  // which is the service's and not the candidate's: past the threshold, a candidate no slower
  // than the active measured in the same interleaved replay does not make users worse off.
  const asFastAsActive = figures.p99MeasuredBy === 'service' && figures.candidateP99Ms <= figures.activeP99Ms * SERVICE_P99_TOLERANCE;
  if (fast || !asFastAsActive) {
    check(fast, `${timed} ${figures.candidateP99Ms.toFixed(2)} ms ${fast ? '<=' : '>'} ${thresholds.maxP99Ms} ms (active ${figures.activeP99Ms.toFixed(2)} ms)`);
  } else {
    passed.push(`${timed} ${figures.candidateP99Ms.toFixed(2)} ms > ${thresholds.maxP99Ms} ms, but within ${Math.round((SERVICE_P99_TOLERANCE - 1) * 100)}% of the active's ${figures.activeP99Ms.toFixed(2)} ms in the same replay: the service is slow, not the candidate`);
  }
  return { passed: failed.length === 0, reasons: [...failed, ...passed] };
}

interface Judged {
  readonly model: DigitModel;
  readonly dir: ModelDir;
}

async function checkOutAndLoad(deps: LifecycleDeps, version: string): Promise<Judged> {
  const dir = await checkOutVersion(deps.registry, version);
  try {
    return { model: await loadDigitModel({ modelDir: dir.dir, ...deps.inference }), dir };
  } catch (error) {
    await dir.remove();
    throw error;
  }
}

/** Measures candidate and active side by side on the same data (agreement and p99 through `options.serviceUrl` when given). */
export async function measureGates(deps: LifecycleDeps, candidate: string, active: string, thresholds: GateThresholds, test?: MnistSet, options: GateOptions = {}): Promise<GateFigures> {
  const { serviceUrl } = options;
  // First, while nothing else runs here: the service's latency is not measured beside our own inference.
  const shadow = serviceUrl === undefined ? undefined : await replayShadow(serviceUrl, candidate, thresholds.recordedPredictions);
  if (serviceUrl !== undefined) deps.log(shadow === null ? `gate ${candidate}: no recorded traffic at ${serviceUrl}` : `gate ${candidate} vs ${active}: shadow replay of ${shadow!.pairs} recorded inputs through ${serviceUrl}`);
  const inProcessTraffic = shadow === undefined;
  const [mnist, corrections, recorded] = await Promise.all([
    test ?? readMnistTestSet(),
    deps.store.corrections(),
    inProcessTraffic ? readRecordedInputs(deps.store, thresholds.recordedPredictions) : { inputs: [], scanned: 0 },
  ]);
  const heldOut = splitCorrections(corrections).heldOut;
  const judged: Judged[] = [];
  try {
    judged.push(await checkOutAndLoad(deps, candidate));
    judged.push(await checkOutAndLoad(deps, active));
    const [c, a] = judged.map((j) => j.model) as [DigitModel, DigitModel];
    const heldOutInputs = heldOut.map((h) => h.input);
    const heldOutLabels = heldOut.map((h) => h.label);
    const [cMnist, aMnist, cHeld, aHeld, cRecorded, aRecorded] = [
      await c.answer(mnist.images), await a.answer(mnist.images),
      await c.answer(heldOutInputs), await a.answer(heldOutInputs),
      await c.answer(recorded.inputs), await a.answer(recorded.inputs),
    ];
    // Latency: alternate the two models over the same images, so both see the same machine load.
    const timed = shadow ? [] : mnist.images.slice(0, thresholds.latencySamples);
    const cTimes: number[] = [];
    const aTimes: number[] = [];
    for (let i = 0; i < timed.length; i += 50) {
      cTimes.push(...(await c.timeSingleCalls(timed.slice(i, i + 50))));
      aTimes.push(...(await a.timeSingleCalls(timed.slice(i, i + 50))));
    }
    const trafficNote = inProcessTraffic ? `, ${recorded.inputs.length} recorded inputs (of ${recorded.scanned})` : '';
    deps.log(`gate ${candidate} vs ${active}: ${mnist.images.length} MNIST test images, ${heldOut.length} held-out corrections${trafficNote}, ${timed.length} timed calls (${c.backend}), in-process`);
    const inProcessP99 = { candidateP99Ms: quantile(cTimes, 0.99) ?? 0, activeP99Ms: quantile(aTimes, 0.99) ?? 0 };
    let traffic: TrafficFigures;
    if (shadow === undefined) {
      traffic = { recordedInputs: recorded.inputs.length, agreement: accuracyOf(cRecorded, aRecorded), ...inProcessP99, agreementMeasuredBy: 'in-process', p99MeasuredBy: 'in-process', serviceUrl: null, candidateFailures: null, activeFailures: null };
    } else {
      traffic = shadow === null ? trafficWithoutRecorded(inProcessP99, serviceUrl!) : trafficFromShadow(shadow, serviceUrl!);
    }
    return {
      active,
      mnistMeasuredBy: 'in-process',
      heldOutMeasuredBy: 'in-process',
      candidateMnistAccuracy: accuracyOf(cMnist, mnist.labels)!,
      activeMnistAccuracy: accuracyOf(aMnist, mnist.labels)!,
      heldOutCorrections: heldOut.length,
      candidateHeldOutAccuracy: accuracyOf(cHeld, heldOutLabels),
      activeHeldOutAccuracy: accuracyOf(aHeld, heldOutLabels),
      ...traffic,
    };
  } finally {
    for (const j of judged) {
      j.model.dispose();
      await j.dir.remove();
    }
  }
}

export interface GateResult {
  readonly version: string;
  readonly decision: 'gate-passed' | 'gate-rejected';
  readonly reason: string;
  readonly figures: GateFigures;
}

/** Version the candidate is judged against: the active one. Throws when nothing is active or it is the candidate. */
export async function activeVersionFor(deps: LifecycleDeps, candidate: string): Promise<string> {
  if ((await deps.registry.get(candidate)) === null) throw new Error(`no model version "${candidate}" in the registry`);
  const serving = await deps.registry.serving();
  if (serving === null) throw new Error('no version is active yet: promote one first (mnist promote VERSION)');
  if (serving.active === candidate) throw new Error(`${candidate} is already the active version`);
  return serving.active;
}

/** Measures, judges and records gate-passed or gate-rejected with every figure. */
export async function runGates(deps: LifecycleDeps, candidate: string, thresholds: GateThresholds = DEFAULT_GATE_THRESHOLDS, options: GateOptions = {}): Promise<GateResult> {
  const active = await activeVersionFor(deps, candidate);
  const figures = await measureGates(deps, candidate, active, thresholds, undefined, options);
  const verdict = judgeGates(figures, thresholds);
  const decision: ModelDecision = {
    at: deps.now?.() ?? new Date(),
    version: candidate,
    kind: verdict.passed ? 'gate-passed' : 'gate-rejected',
    reason: verdict.reasons.join('; '),
    figures: { ...figures, maxMnistDrop: thresholds.maxMnistDrop, minAgreement: thresholds.minAgreement, maxP99Ms: thresholds.maxP99Ms },
  };
  await deps.registry.recordDecision(decision);
  deps.log(`${decision.kind}: ${decision.reason}`);
  return { version: candidate, decision: decision.kind as GateResult['decision'], reason: decision.reason, figures };
}
