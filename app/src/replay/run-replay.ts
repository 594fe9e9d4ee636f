import { monitorEventLoopDelay } from 'node:perf_hooks';
import { StartupError } from '../errors.js';
import { createAggregate, recordSample } from './aggregate.js';
import { createReplayClient } from './http-client.js';
import { runClosedLoop, type LoadOptions } from './load-closed.js';
import { runOpenLoop } from './load-open.js';
import { loadMnistSource } from './mnist-source.js';
import { nowMs, type LoadedSource, type Sample } from './outcome.js';
import { neededItemIndices, shardRequestCount, type LoadModel, type Shard, type StopCondition } from './plan.js';
import { startProgress } from './progress.js';
import { loadRecordedSource } from './recorded-source.js';
import { buildReport, type ReplayReport } from './report.js';
import { readBackThroughApi, verifyRecords } from './verify.js';

/**
 * One replay, start to end: load and encode the source items this shard needs, drive the
 * load, read every acknowledged prediction back, and compute the report. The CLI only parses
 * flags around this; tests call it directly.
 */

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
    if (source.size === 0) throw new StartupError(`the ${options.source} source has no items to replay`);
    const total = options.stop.requests ?? (options.stop.durationMs === undefined ? source.size : undefined);
    const stop: StopCondition = { requests: total, durationMs: options.stop.durationMs };
    const shardTotal = total === undefined ? undefined : shardRequestCount(options.shard, total);

    const t0 = nowMs();
    const aggregate = createAggregate(t0);
    const loadOptions: LoadOptions = {
      shard: options.shard,
      stop,
      itemAt: (k) => source.items.get(k % source.size)!,
      send: client.sendItem,
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
    return { report, lostIds };
  } finally {
    await client.close();
  }
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
