import { WHOLE } from '../replay/plan.js';
import { EmptySourceError, runReplay } from '../replay/run-replay.js';
import type { ShadowReport } from '../replay/shadow.js';

/**
 * The gates' figures about traffic: agreement with the active on recorded inputs, and the p99
 * of the candidate, with how they were measured. In-process (gates.ts), the models run here on
 * inputs read from the store and the model call is timed alone; through the service (a shadow
 * replay, replay/shadow.ts), the recorded inputs go through the real HTTP API, pinned to each
 * version, and the p99 is that of the candidate's whole requests: what users would wait.
 */

export type MeasuredBy = 'in-process' | 'service';

export interface TrafficFigures {
  /** Recorded inputs compared (uncorrected, not replays). */
  readonly recordedInputs: number;
  /** null when there is no recorded traffic. */
  readonly agreement: number | null;
  readonly candidateP99Ms: number;
  readonly activeP99Ms: number;
  readonly agreementMeasuredBy: MeasuredBy;
  readonly p99MeasuredBy: MeasuredBy;
  /** The service replayed through, or null in-process. */
  readonly serviceUrl: string | null;
  /** Shadow requests that got no answer from each (service only; null in-process). */
  readonly candidateFailures: number | null;
  readonly activeFailures: number | null;
}

/**
 * Clients of the gate's shadow replay: one, so that each request's latency is its own and not
 * a queue behind the replay's other requests (the p99 is then comparable with the threshold).
 */
export const GATE_SHADOW_CONCURRENCY = 1;

/** Agreement and p99 from a shadow replay's report; pure. */
export function trafficFromShadow(shadow: ShadowReport, serviceUrl: string): TrafficFigures {
  return {
    // The gate's agreement is on inputs nobody corrected, as in-process: where the active was
    // right as far as anyone knows. Corrected ones are judged by the held-out accuracy.
    recordedInputs: shadow.uncorrected.compared,
    agreement: shadow.uncorrected.agreement,
    candidateP99Ms: shadow.candidate.latencyMs.p99,
    activeP99Ms: shadow.active.latencyMs.p99,
    agreementMeasuredBy: 'service',
    p99MeasuredBy: 'service',
    serviceUrl,
    candidateFailures: shadow.candidate.errors,
    activeFailures: shadow.active.errors,
  };
}

/**
 * Without recorded traffic there is nothing to replay: agreement null (the gate says so), and
 * the p99 from the in-process timing, which needs no traffic.
 */
export function trafficWithoutRecorded(inProcessP99: { readonly candidateP99Ms: number; readonly activeP99Ms: number }, serviceUrl: string): TrafficFigures {
  return { recordedInputs: 0, agreement: null, ...inProcessP99, agreementMeasuredBy: 'service', p99MeasuredBy: 'in-process', serviceUrl, candidateFailures: null, activeFailures: null };
}

/**
 * Replays the service's recorded traffic (at most `recordedLimit` predictions) against the
 * candidate and the active, pinned; null when the service has recorded none.
 */
export async function replayShadow(serviceUrl: string, candidate: string, recordedLimit: number): Promise<ShadowReport | null> {
  try {
    const { report } = await runReplay({
      url: serviceUrl,
      source: 'recorded',
      load: { kind: 'closed', concurrency: GATE_SHADOW_CONCURRENCY },
      stop: {},
      shard: WHOLE,
      verify: false,
      timeoutMs: 30_000,
      recordedLimit,
      progress: null,
      shadow: candidate,
    });
    if (report.shadow === undefined) throw new Error('the shadow replay returned no shadow figures');
    return report.shadow;
  } catch (error) {
    if (error instanceof EmptySourceError) return null;
    throw error;
  }
}
