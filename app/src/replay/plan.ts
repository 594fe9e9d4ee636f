/**
 * What a replay does, independent of how it is driven: the load model, when it stops, and
 * which share of the global request sequence this process owns. Request k (0, 1, 2, ...) of a
 * replay always sends item k mod items and, in open loop, is scheduled at t0 + k/R; shard i/P
 * owns the requests with k mod P = i. So P shard processes cover exactly the requests one
 * process would send, and their merged report equals that process's report.
 */

export type LoadModel =
  /** C clients; each sends its next request when the previous one answers. */
  | { readonly kind: 'closed'; readonly concurrency: number }
  /** Requests start at t0 + k/R whatever the responses do (vegeta's model). */
  | { readonly kind: 'open'; readonly rateRps: number };

export interface Shard {
  /** 0-based shard index. */
  readonly index: number;
  /** Number of shards (1 = the whole replay). */
  readonly count: number;
}

export interface StopCondition {
  /** Total requests of the whole replay (all shards); this shard sends its share. */
  readonly requests?: number | undefined;
  /** Wall-clock budget of this process, from t0. */
  readonly durationMs?: number | undefined;
}

export const WHOLE: Shard = { index: 0, count: 1 };

/** Parses `i/P` (0 <= i < P); throws RangeError with a readable message otherwise. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (match === null) throw new RangeError(`--shard must look like i/P (e.g. 0/4), got "${text}"`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index >= count) throw new RangeError(`--shard ${text}: need 0 <= i < P and P >= 1`);
  return { index, count };
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `500ms`, `60s`, `2m`, `1h` (a bare number means seconds) into milliseconds. */
export function parseDurationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) throw new RangeError(`--duration must look like 60s, 500ms, 2m or 1h, got "${text}"`);
  const ms = Number(match[1]) * DURATION_UNITS_MS[match[2] ?? 's']!;
  if (ms <= 0) throw new RangeError(`--duration must be positive, got "${text}"`);
  return ms;
}

/**
 * The global request indices this shard sends, in order: i, i+P, i+2P, ... below `total`
 * (or without end when `total` is undefined: a duration-bound replay).
 */
export function* shardRequestIndices(shard: Shard, total: number | undefined): Generator<number> {
  for (let k = shard.index; total === undefined || k < total; k += shard.count) yield k;
}

/** How many requests this shard sends out of `total`. */
export function shardRequestCount(shard: Shard, total: number): number {
  return total <= shard.index ? 0 : Math.ceil((total - shard.index) / shard.count);
}

/**
 * The source items (0..size-1) this shard will send at least once, ascending: item k mod size
 * for each of its requests k. Without a request bound (a timed replay) that is every item
 * congruent to the shard index modulo gcd(size, P).
 */
export function neededItemIndices(size: number, shard: Shard, total: number | undefined): number[] {
  const needed = new Set<number>();
  if (total === undefined) {
    const step = gcd(size, shard.count);
    for (let j = shard.index % step; j < size; j += step) needed.add(j);
  } else {
    for (const k of shardRequestIndices(shard, total)) {
      needed.add(k % size);
      if (needed.size === size) break;
    }
  }
  return [...needed].sort((a, b) => a - b);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Human description, e.g. "closed loop, 32 clients" or "open loop, 500 req/s". */
export function describeLoad(load: LoadModel): string {
  return load.kind === 'closed' ? `closed loop, ${load.concurrency} clients` : `open loop, ${load.rateRps} req/s`;
}
