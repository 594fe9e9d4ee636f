import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadOptions } from './load-closed.js';
import { nowMs } from './outcome.js';
import { shardRequestIndices } from './plan.js';

/**
 * Open loop at a fixed rate, as vegeta does: request k is due at t0 + k/R whatever the
 * previous responses did, and its latency is measured from that scheduled time. A server that
 * stalls for a second therefore shows a second of latency on every request due meanwhile,
 * instead of quietly receiving fewer requests (coordinated omission).
 *
 * Shard i/P sends only its own k (i, i+P, ...) at the same global times, so P processes
 * started together reproduce the single-process schedule.
 */

/** Safety bound on requests in flight; past it, sends wait (their lateness still counts). */
export const DEFAULT_MAX_IN_FLIGHT = 10_000;

export async function runOpenLoop(options: LoadOptions, rateRps: number, maxInFlight = DEFAULT_MAX_IN_FLIGHT): Promise<void> {
  const t0 = options.startAtMs ?? nowMs();
  const intervalMs = 1000 / rateRps;
  const durationMs = options.stop.durationMs ?? Number.POSITIVE_INFINITY;
  const inFlight = new Set<Promise<void>>();

  for (const k of shardRequestIndices(options.shard, options.stop.requests)) {
    const scheduledAtMs = t0 + k * intervalMs;
    if (scheduledAtMs - t0 >= durationMs || options.signal?.aborted) break;
    // Timers have 1 ms granularity: round the wait up so no request starts early. Spinning to
    // the exact microsecond would burn the CPU the server under test needs; the (sub-ms)
    // lateness is measured as start lag and charged to latency, which runs from the schedule.
    // libuv's clock is whole milliseconds, so a timer can fire a fraction early: re-check.
    for (let waitMs = scheduledAtMs - nowMs(); waitMs > 0; waitMs = scheduledAtMs - nowMs()) await sleep(Math.ceil(waitMs));
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    if (options.signal?.aborted) break;
    const item = options.itemAt(k);
    const startedAtMs = nowMs();
    const request = options.send(item).then((outcome) => {
      options.onSample({ requestIndex: k, item, scheduledAtMs, startedAtMs, endedAtMs: nowMs(), outcome });
      inFlight.delete(request);
    });
    inFlight.add(request);
  }
  await Promise.all(inFlight);
}
