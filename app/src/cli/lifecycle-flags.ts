import { DEFAULT_CANARY_OPTIONS, DEFAULT_CANARY_THRESHOLDS, type CanaryOptions } from '../lifecycle/canary.js';
import { DEFAULT_GATE_THRESHOLDS, type GateOptions, type GateThresholds } from '../lifecycle/gates.js';
import { numberIn, positiveInt, UsageError } from './args.js';

/** The gate and canary thresholds as flags, shared by `mnist gate` and `mnist canary`. */

const G = DEFAULT_GATE_THRESHOLDS;
const C = DEFAULT_CANARY_THRESHOLDS;

export const GATE_FLAGS = {
  'max-mnist-drop': { type: 'string' },
  'min-agreement': { type: 'string' },
  recorded: { type: 'string' },
  'max-p99-ms': { type: 'string' },
  'service-url': { type: 'string' },
} as const;

export const GATE_USAGE = `  --max-mnist-drop P      MNIST test accuracy may be at most P points below the active's (default ${G.maxMnistDrop * 100})
  --min-agreement X       share of recorded uncorrected inputs on which it must agree with the active (default ${G.minAgreement})
  --recorded N            most recent stored predictions read for the agreement (default ${G.recordedPredictions})
  --max-p99-ms MS         p99 of its single-image model call, or of its requests through --service-url (default ${G.maxP99Ms})
  --service-url URL       a running service (e.g. http://127.0.0.1:3000): agreement and p99 from a shadow
                          replay of its recorded traffic through its API, the candidate and the active
                          pinned side by side; MNIST and held-out corrections stay in-process`;

type FlagValues = Readonly<Record<string, string | boolean | undefined>>;

export function gateThresholds(flags: FlagValues): GateThresholds {
  const dropPoints = numberIn('max-mnist-drop', flags['max-mnist-drop'], 0, 100);
  return {
    maxMnistDrop: dropPoints === undefined ? G.maxMnistDrop : dropPoints / 100,
    minAgreement: numberIn('min-agreement', flags['min-agreement'], 0, 1) ?? G.minAgreement,
    recordedPredictions: positiveInt('recorded', flags.recorded) ?? G.recordedPredictions,
    maxP99Ms: numberIn('max-p99-ms', flags['max-p99-ms'], 0, 60_000) ?? G.maxP99Ms,
    latencySamples: G.latencySamples,
  };
}

/** `--service-url`: an http(s) URL, or undefined (measure in-process). */
export function gateOptions(flags: FlagValues): GateOptions {
  const value = flags['service-url'];
  if (value === undefined) return {};
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new UsageError(`--service-url must be an http(s) URL, got "${String(value)}"`);
  return { serviceUrl: String(value).replace(/\/+$/, '') };
}

export const CANARY_FLAGS = {
  weight: { type: 'string' },
  duration: { type: 'string' },
  'poll-ms': { type: 'string' },
  'max-failure-rate': { type: 'string' },
  'max-corrected-increase': { type: 'string' },
  'max-canary-p99-ms': { type: 'string' },
  'min-predictions': { type: 'string' },
} as const;

export const CANARY_USAGE = `  --weight X              share of live predictions the canary takes, 0 < X < 1 (default ${DEFAULT_CANARY_OPTIONS.weight})
  --duration S            seconds it runs before it is promoted (default ${DEFAULT_CANARY_OPTIONS.durationS})
  --poll-ms MS            how often live stats and corrections are read (default ${DEFAULT_CANARY_OPTIONS.pollMs})
  --max-failure-rate X    share of its predictions its model may fail (default ${C.maxFailureRate})
  --max-corrected-increase X
                          how far its corrected rate may exceed the active's (default ${C.maxCorrectedRateIncrease})
  --max-canary-p99-ms MS  p99 of its live model call (default ${C.maxP99Ms})
  --min-predictions N     predictions before its rates are judged (default ${C.minPredictions})`;

export function canaryOptions(flags: FlagValues, signal: AbortSignal): CanaryOptions {
  const weight = numberIn('weight', flags.weight, 0, 1) ?? DEFAULT_CANARY_OPTIONS.weight;
  if (weight === 0 || weight === 1) throw new UsageError(`--weight must be strictly between 0 and 1, got ${weight}`);
  return {
    weight,
    durationS: numberIn('duration', flags.duration, 0, 86_400) ?? DEFAULT_CANARY_OPTIONS.durationS,
    pollMs: positiveInt('poll-ms', flags['poll-ms']) ?? DEFAULT_CANARY_OPTIONS.pollMs,
    gates: gateThresholds(flags),
    gateOptions: gateOptions(flags),
    thresholds: {
      maxFailureRate: numberIn('max-failure-rate', flags['max-failure-rate'], 0, 1) ?? C.maxFailureRate,
      maxCorrectedRateIncrease: numberIn('max-corrected-increase', flags['max-corrected-increase'], 0, 1) ?? C.maxCorrectedRateIncrease,
      maxP99Ms: numberIn('max-canary-p99-ms', flags['max-canary-p99-ms'], 0, 60_000) ?? C.maxP99Ms,
      minPredictions: positiveInt('min-predictions', flags['min-predictions']) ?? C.minPredictions,
    },
    signal,
  };
}
