import { monitorEventLoopDelay } from 'node:perf_hooks';
import { StartupError } from '../errors.js';
import { createAggregate, recordSample } from './aggregate.js';
import { createReplayClient, type ReplayClient } from './http-client.js';
import { runClosedLoop, type LoadOptions } from './load-closed.js';
import { runOpenLoop } from './load-open.js';
import { loadMnistSource } from './mnist-source.js';
import { nowMs, type LoadedSource, type Sample, type SendItem } from './outcome.js';
import { neededItemIndices, shardRequestCount, type LoadModel, type Shard, type StopCondition } from './plan.js';
import { startProgress } from './progress.js';
import { loadRecordedSource } from './recorded-source.js';
import { buildReport, type ReplayReport } from './report.js';
import { buildShadowReport, createShadowAggregate, recordPair, type ShadowAggregate, type ShadowAnswer } from './shadow.js';
import { readBackThroughApi, verifyRecords } from './verify.js';

/**
 * One replay, start to end: load and encode the source items this shard needs, drive the
 * load, read every acknowledged prediction back, and compute the report. The CLI only parses
 * flags around this; tests call it directly.
 */

/** The source has nothing to replay (no recorded traffic yet): the gates say so instead of failing. */
export class EmptySourceError extends StartupError {
  constructor(source: string) {
    super(`the ${source} source has no items to replay`);
    this.name = 'EmptySourceError';
  }
}

/** The shadow replay cannot start (no active version, or the candidate is the active one). */
export class ShadowSetupError extends StartupError {
  constructor(message: string) {
    super(message);
    this.name = 'ShadowSetupError';
  }
}

export interface ReplayOptions {
  /** Service base URL. */
  readonly url: string;
  readonly source: 'mnist' | 'recorded';
  readonly load: LoadModel;
  /** Neither count nor duration: every source item once. */
  readonly stop: StopCondition;
  readonly shard: Shard;
  /** Read 201 ids back to count lost records (--no-verify turns it off). */
  readonly verify: boolean;
  /** Keep-alive connections; default: the concurrency, or rate/10 (32..1000) in open loop. */
  readonly connections?: number | undefined;
  /** Per-request timeout (a timeout counts as a network error). */
  readonly timeoutMs: number;
  /** Recorded source: only predictions created before this (default: now). */
  readonly recordedBefore?: Date | undefined;
  /** Recorded source: at most this many records (default: the request count, else 10,000). */
  readonly recordedLimit?: number | undefined;
  /** Where the progress line goes; null for none. */
  readonly progress: NodeJS.WriteStream | null;
  readonly signal?: AbortSignal | undefined;
  /** Sees every finished request (per-request answers, e.g. for --answers). */
  readonly onSample?: ((sample: Sample) => void) | undefined;
  /**
   * Shadow replay: send each item to the active version and to this candidate, both pinned
   * (X-Model-Version), and compare them (report.shadow). The active is read from GET /api/models.
   */
  readonly shadow?: string | undefined;
}

export interface ReplayResult {
  readonly report: ReplayReport;
  /** Some of the lost ids, to look up by hand. */
  readonly lostIds: readonly string[];
}

const DEFAULT_RECORDED_LIMIT = 10_000;

export function defaultConnections(load: LoadModel): number {
  return load.kind === 'closed' ? load.concurrency : Math.min(1000, Math.max(32, Math.ceil(load.rateRps / 10)));
}

export async function runReplay(options: ReplayOptions): Promise<ReplayResult> {
  const connections = options.connections ?? defaultConnections(options.load);
  const client = createReplayClient({ baseUrl: options.url, connections, timeoutMs: options.timeoutMs });
  try {
    const source = await loadSource(options, client.getJson);
    if (source.size === 0) throw new EmptySourceError(options.source);
    const shadow = options.shadow === undefined ? null : createShadowAggregate(options.shadow, await readActiveVersion(client, options.shadow));
    if (shadow !== null) await warmUp(client, shadow, source);
    const total = options.stop.requests ?? (options.stop.durationMs === undefined ? source.size : undefined);
    const stop: StopCondition = { requests: total, durationMs: options.stop.durationMs };
    const shardTotal = total === undefined ? undefined : shardRequestCount(options.shard, total);

    const t0 = nowMs();
    const aggregate = createAggregate(t0);
    const loadOptions: LoadOptions = {
      shard: options.shard,
      stop,
      itemAt: (k) => source.items.get(k % source.size)!,
      send: shadow === null ? (item) => client.sendItem(item) : sendPair(client, shadow),
      onSample: (sample) => {
        recordSample(aggregate, sample);
        options.onSample?.(sample);
      },
      startAtMs: t0,
      signal: options.signal,
    };
    const progress = options.progress
      ? startProgress({ stream: options.progress, aggregate, totalRequests: shardTotal, durationMs: stop.durationMs, startedAtMs: t0 })
      : null;
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const cpuBefore = process.cpuUsage();
    if (options.load.kind === 'closed') await runClosedLoop(loadOptions, options.load.concurrency);
    else await runOpenLoop(loadOptions, options.load.rateRps);
    const cpu = process.cpuUsage(cpuBefore);
    loopDelay.disable();
    progress?.stop();

    let lostIds: readonly string[] = [];
    if (options.verify) {
      const result = await verifyRecords(aggregate.ids, readBackThroughApi(client.getJson), connections);
      aggregate.verify = { checked: result.checked, lost: result.lost, errors: result.errors };
      lostIds = result.lostIds;
    }
    const report = buildReport(aggregate, {
      source: options.source,
      mode: options.load.kind,
      url: options.url,
      concurrency: options.load.kind === 'closed' ? options.load.concurrency : null,
      rateRps: options.load.kind === 'open' ? options.load.rateRps : null,
      shard: { index: options.shard.index, count: options.shard.count },
      clientCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      clientEventLoopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1000) / 1000,
    });
    return { report: shadow === null ? report : { ...report, shadow: buildShadowReport(shadow) }, lostIds };
  } finally {
    await client.close();
  }
}

/** The active version, as the registry says (not what a canary draw would give). */
async function readActiveVersion(client: ReplayClient, candidate: string): Promise<string> {
  const response = await client.getJson('/api/models');
  const body = response.body as { active?: unknown; versions?: unknown } | null;
  const active = body?.active;
  if (response.status !== 200 || typeof active !== 'string') {
    throw new ShadowSetupError(`GET /api/models answered ${response.status}${response.error ? ` (${response.error})` : ''} without an active version: cannot shadow ${candidate}`);
  }
  const known = Array.isArray(body?.versions) && body.versions.some((v) => (v as { version?: unknown } | null)?.version === candidate);
  if (!known) throw new ShadowSetupError(`no model version ${candidate} in the registry of the service: nothing to shadow`);
  if (active === candidate) throw new ShadowSetupError(`${candidate} is the active version: shadow a candidate against it, not itself`);
  return active;
}

/**
 * One request to each version before the clock starts: a version no replica has loaded yet (a
 * candidate before its canary) is loaded by its first pinned request, and that load is not
 * what its latency should report. Also fails fast when a version cannot answer at all.
 */
async function warmUp(client: ReplayClient, shadow: ShadowAggregate, source: LoadedSource): Promise<void> {
  const item = source.items.values().next().value;
  if (item === undefined) return;
  for (const version of [shadow.candidate.version, shadow.active.version]) {
    const outcome = await client.sendItem(item, version);
    if (outcome.status !== 201) throw new ShadowSetupError(`the warm-up request pinned to ${version} answered ${outcome.status}${outcome.error ? ` (${outcome.error})` : ''}: cannot shadow it`);
  }
}

/**
 * Sends an item to both, one after the other; the order alternates with the item, so that
 * neither always goes first (a warm cache, a batch still open). The candidate's answer is the
 * request's outcome: the report's own fields then describe the candidate.
 */
function sendPair(client: ReplayClient, shadow: ShadowAggregate): SendItem {
  const timed = async (item: Parameters<SendItem>[0], version: string): Promise<ShadowAnswer> => {
    const started = nowMs();
    const outcome = await client.sendItem(item, version);
    return { outcome, latencyMs: nowMs() - started };
  };
  return async (item) => {
    const activeFirst = item.sourceIndex % 2 === 0;
    const first = await timed(item, activeFirst ? shadow.active.version : shadow.candidate.version);
    const second = await timed(item, activeFirst ? shadow.candidate.version : shadow.active.version);
    const [active, candidate] = activeFirst ? [first, second] : [second, first];
    recordPair(shadow, item, candidate, active);
    return candidate.outcome;
  };
}

async function loadSource(
  options: ReplayOptions,
  getJson: Parameters<typeof readBackThroughApi>[0],
): Promise<LoadedSource> {
  const total = options.stop.requests;
  const wanted = (size: number): number[] => neededItemIndices(size, options.shard, total ?? (options.stop.durationMs === undefined ? size : undefined));
  if (options.source === 'mnist') return loadMnistSource(wanted);
  return loadRecordedSource(
    {
      getJson,
      recordedBefore: options.recordedBefore ?? new Date(),
      maxRecords: options.recordedLimit ?? options.stop.requests ?? DEFAULT_RECORDED_LIMIT,
    },
    wanted,
  );
}
