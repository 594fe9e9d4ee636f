import { nowMs, type ReplayItem, type Sample, type SendItem } from './outcome.js';
import { shardRequestIndices, type Shard, type StopCondition } from './plan.js';

/**
 * What both load generators need: which requests this shard owns, what each sends, how to
 * send it, when to stop, and where each finished request goes.
 */
export interface LoadOptions {
  readonly shard: Shard;
  readonly stop: StopCondition;
  /** The item request k sends (k mod source size). */
  readonly itemAt: (requestIndex: number) => ReplayItem;
  readonly send: SendItem;
  readonly onSample: (sample: Sample) => void;
  /** t0, epoch ms; open-loop schedules count from it. Defaults to now. */
  readonly startAtMs?: number;
  /** Stops issuing new requests (in-flight ones still finish and count). */
  readonly signal?: AbortSignal;
}

/**
 * Closed loop: `concurrency` clients, each sending its next request as soon as its previous
 * one answered. Latency runs from the send. This measures what the service does at a fixed
 * number of outstanding requests; a slow server also slows the load (see load-open.ts).
 */
export async function runClosedLoop(options: LoadOptions, concurrency: number): Promise<void> {
  const t0 = options.startAtMs ?? nowMs();
  const deadlineMs = options.stop.durationMs === undefined ? Number.POSITIVE_INFINITY : t0 + options.stop.durationMs;
  // One shared iterator: clients take the next request index in turn, so no index repeats.
  const indices = shardRequestIndices(options.shard, options.stop.requests);

  async function runClient(): Promise<void> {
    for (;;) {
      if (options.signal?.aborted || nowMs() >= deadlineMs) return;
      const next = indices.next();
      if (next.done) return;
      const item = options.itemAt(next.value);
      const startedAtMs = nowMs();
      const outcome = await options.send(item);
      options.onSample({ requestIndex: next.value, item, scheduledAtMs: startedAtMs, startedAtMs, endedAtMs: nowMs(), outcome });
    }
  }

  await Promise.all(Array.from({ length: concurrency }, () => runClient()));
}
