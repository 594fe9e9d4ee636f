import { parseArgs } from 'node:util';
import { openAnswersFile } from '../replay/answers-file.js';
import { mergeReports } from '../replay/merge.js';
import { parseDurationMs, parseShard, WHOLE, type LoadModel, type Shard } from '../replay/plan.js';
import { readReportFile, writeReportFiles } from '../replay/report-io.js';
import type { ReplayReport } from '../replay/report.js';
import { runReplay } from '../replay/run-replay.js';
import { formatSummary } from '../replay/summary.js';
import { checkThresholds, parseThreshold, type Thresholds } from '../replay/thresholds.js';
import { parseFlags, positiveInt, UsageError } from './args.js';
import { errorMessage } from '../errors.js';

const USAGE = `Usage: mnist replay [flags]             drive a running service with MNIST or recorded traffic
       mnist replay merge FILE... [flags]  merge shard reports (JSON files or logs) into one

Flags of a replay:
  --url URL              service base URL (default http://127.0.0.1:3000)
  --source mnist|recorded  the 10,000 labelled MNIST test images as 28x28 PNGs (default), or the
                         inputs of predictions recorded by the service (compared with their answers)
  --n N                  requests of the whole replay (default: every source item once)
  --duration 60s         or run for this long (ms, s, m, h), cycling over the items
  --concurrency C        closed loop: C clients per process, each waits for its answer (default 8)
  --rate R               open loop: R requests/s for the whole replay, latency from the schedule
  --shard i/P            send only requests k with k mod P = i (P processes cover the replay once)
  --shards P             with --shard i: the same as --shard i/P (what the ReplayJob construct passes)
  --connections N        keep-alive connections (default: C, or R/10 within 32..1000)
  --timeout-ms MS        per-request timeout, counted as a network error (default 30000)
  --recorded-before ISO  recorded source: only predictions created before this (default: now)
  --recorded-limit N     recorded source: read at most N predictions (default: --n, else 10000)
  --no-verify            do not read acknowledged predictions back by id (lost is then null)
  --answers FILE         one CSV row per request: source index, label, recorded digit, status, digit
  --shadow VERSION       shadow replay: send each item to the active version and to VERSION, both
                         pinned (X-Model-Version); report agreement between them, each one's
                         accuracy on the labelled (corrected) inputs, latency and failures ("shadow")
  --quiet                no progress line on stderr
Flags of both:
  --out FILE             write the JSON report here (the last stdout line is the JSON report too)
  --chart FILE           latency-over-time SVG (default: beside --out, FILE-latency.svg)
  --max-p99-ms X         exit 1 when p99 latency > X ms
  --max-error-rate F     exit 1 when (requests - ok) / requests > F (0..1)
  --max-lost N           exit 1 when more than N acknowledged predictions cannot be read back`;

const SHARED = {
  out: { type: 'string' },
  chart: { type: 'string' },
  'max-p99-ms': { type: 'string' },
  'max-error-rate': { type: 'string' },
  'max-lost': { type: 'string' },
} as const;

const REPLAY_FLAGS = {
  ...SHARED,
  url: { type: 'string' },
  source: { type: 'string' },
  n: { type: 'string' },
  duration: { type: 'string' },
  concurrency: { type: 'string' },
  rate: { type: 'string' },
  shard: { type: 'string' },
  shards: { type: 'string' },
  connections: { type: 'string' },
  'timeout-ms': { type: 'string' },
  'recorded-before': { type: 'string' },
  'recorded-limit': { type: 'string' },
  'no-verify': { type: 'boolean' },
  answers: { type: 'string' },
  shadow: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

/** `replay [flags]` or `replay merge FILE... [flags]`; exits 1 when a threshold is crossed. */
export async function run(args: string[]): Promise<void> {
  if (args[0] === 'merge') return runMerge(args.slice(1));
  const flags = parseFlags(args, REPLAY_FLAGS, USAGE);
  if (flags === null) return;
  const { thresholds, load, source, stop, shard, recordedBefore } = usage(() => ({
    thresholds: readThresholds(flags),
    load: readLoad(flags.concurrency, flags.rate),
    source: readSource(flags.source),
    stop: {
      requests: positiveInt('n', flags.n),
      durationMs: flags.duration === undefined ? undefined : parseDurationMs(flags.duration),
    },
    shard: readShadowShard(flags.shard, flags.shards, flags.shadow),
    recordedBefore: readDate(flags['recorded-before']),
  }));
  const abort = new AbortController();
  const onSignal = (): void => {
    process.stderr.write('\nreplay: stopping: no new requests; waiting for those in flight (Ctrl-C again to quit)\n');
    abort.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  const answers = flags.answers === undefined ? null : openAnswersFile(flags.answers);
  try {
    const { report, lostIds } = await runReplay({
      url: flags.url ?? 'http://127.0.0.1:3000',
      source,
      load,
      stop,
      shard,
      verify: flags['no-verify'] !== true,
      connections: positiveInt('connections', flags.connections),
      timeoutMs: positiveInt('timeout-ms', flags['timeout-ms']) ?? 30_000,
      recordedBefore,
      recordedLimit: positiveInt('recorded-limit', flags['recorded-limit']),
      progress: flags.quiet === true ? null : process.stderr,
      signal: abort.signal,
      onSample: answers === null ? undefined : (sample) => answers.write(sample),
      shadow: flags.shadow,
    });
    if (lostIds.length > 0) process.stderr.write(`replay: lost ids (first ${lostIds.length}): ${lostIds.join(' ')}\n`);
    await finish(report, flags.out, flags.chart, thresholds);
  } finally {
    process.removeListener('SIGINT', onSignal);
    await answers?.close();
  }
}

async function runMerge(args: string[]): Promise<void> {
  const parsed = usage(() => parseArgs({ args, options: { ...SHARED, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }));
  if (parsed.values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (parsed.positionals.length === 0) throw new UsageError(`replay merge needs at least one report file\n\n${USAGE}`);
  const thresholds = usage(() => readThresholds(parsed.values));
  const reports = await Promise.all(parsed.positionals.map((file) => readReportFile(file)));
  const { report, missingShards } = mergeReports(reports);
  if (missingShards.length > 0) {
    process.stderr.write(`replay merge: warning: no report for shard(s) ${missingShards.join(', ')} of ${report.shard.count}\n`);
  }
  await finish(report, parsed.values.out, parsed.values.chart, thresholds);
}

/**
 * Prints the summary, writes the files, prints the JSON last, then applies the thresholds. The
 * JSON line is for programs, the in-cluster Job among them (the CLI reads each pod's report from
 * its log); a person at a terminal who asked for a file (--out) gets the file, not a screen of JSON.
 */
async function finish(report: ReplayReport, out: string | undefined, chart: string | undefined, thresholds: Thresholds): Promise<void> {
  process.stdout.write(`${formatSummary(report)}\n`);
  const written = await writeReportFiles(report, out, chart);
  if (written.length > 0) process.stdout.write(`  wrote        ${written.join(', ')}\n`);
  const violations = checkThresholds(report, thresholds);
  for (const violation of violations) process.stdout.write(`  FAILED       ${violation}\n`);
  if (!(process.stdout.isTTY && out !== undefined)) process.stdout.write(`${JSON.stringify(report)}\n`);
  if (violations.length > 0) {
    process.stderr.write(`mnist: replay failed ${violations.length} threshold(s): ${violations.join('; ')}\n`);
    process.exitCode = 1;
  }
}

type ThresholdFlags = { 'max-p99-ms'?: string | undefined; 'max-error-rate'?: string | undefined; 'max-lost'?: string | undefined };

function readThresholds(flags: ThresholdFlags): Thresholds {
  const maxLost = parseThreshold('max-lost', flags['max-lost']);
  if (maxLost !== undefined && !Number.isInteger(maxLost)) throw new RangeError(`--max-lost must be a whole number, got "${flags['max-lost']}"`);
  return {
    maxP99Ms: parseThreshold('max-p99-ms', flags['max-p99-ms']),
    maxErrorRate: parseThreshold('max-error-rate', flags['max-error-rate'], 1),
    maxLost,
  };
}

function readLoad(concurrency: string | undefined, rate: string | undefined): LoadModel {
  if (concurrency !== undefined && rate !== undefined) throw new RangeError('give --concurrency (closed loop) or --rate (open loop), not both');
  if (rate !== undefined) {
    const rateRps = Number(rate);
    if (!Number.isFinite(rateRps) || rateRps <= 0) throw new RangeError(`--rate must be a positive number of requests/s, got "${rate}"`);
    return { kind: 'open', rateRps };
  }
  return { kind: 'closed', concurrency: positiveInt('concurrency', concurrency) ?? 8 };
}

/** `--shard i/P`, or `--shard i --shards P`; absent means the whole replay. */
function readShard(shard: string | undefined, shards: string | undefined): Shard {
  if (shards === undefined) return shard === undefined ? WHOLE : parseShard(shard);
  if (shard === undefined) throw new RangeError('--shards needs --shard i (this process\'s index)');
  const count = positiveInt('shards', shards)!;
  const parsed = parseShard(shard.includes('/') ? shard : `${shard}/${count}`);
  if (parsed.count !== count) throw new RangeError(`--shard ${shard} disagrees with --shards ${count}`);
  return parsed;
}

/** A shadow replay runs as one process (its pair figures are not mergeable across shards). */
function readShadowShard(shard: string | undefined, shards: string | undefined, shadow: string | undefined): Shard {
  const parsed = readShard(shard, shards);
  if (shadow !== undefined && parsed.count > 1) throw new RangeError('--shadow runs as one process: drop --shard/--shards');
  return parsed;
}

function readSource(value: string | undefined): 'mnist' | 'recorded' {
  if (value === undefined || value === 'mnist' || value === 'recorded') return value ?? 'mnist';
  throw new RangeError(`--source must be mnist or recorded, got "${value}"`);
}

function readDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`--recorded-before must be an ISO date-time, got "${value}"`);
  return date;
}

/** Flag validation errors become usage errors (exit 2, with the usage text). */
function usage<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${errorMessage(error)}\n\n${USAGE}`);
  }
}
