import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags, positiveInt } from '../src/cli/args.js';
import { PROJECT_ROOT } from '../src/config.js';
import { readMnistTestSet } from '../src/mnist/mnist-data.js';
import { encodeGreyPng } from '../src/replay/png-encode.js';
import { drawDigitPng } from '../test/fixtures/draw-digit.js';
import { runClosedLoop, type ClosedLoopResult } from './e2e/closed-loop.js';
import { encodeMultipart, type MultipartBody } from './e2e/multipart.js';
import { parseStatLine, readMachineBusyMs, startServer, type RunningServer } from './e2e/server-process.js';
import { meanBatchSize, readBatchCounters, readReadiness } from './e2e/service-metrics.js';
import { errorMessage } from '../src/errors.js';
import { SERVE_ENV } from '../src/cli/serve-runtime.js';

/**
 * End to end on loopback: POST /api/predictions with a 280x280 canvas PNG (multipart, as the
 * page sends it) at several closed-loop concurrencies, against the real `serve` command with
 * the embedded store, with the 3-node Cassandra, and against a bare Koa endpoint (the HTTP
 * ceiling), each server in its own process. This process is the load generator: it shares the
 * machine's cores with the server, and the JSON says how much CPU each side used.
 */

const USAGE = `Usage: e2e-bench [--targets bare,embedded,embedded-large,cassandra] [--concurrency 1,8,32,64] [--seconds 8]
  [--warmup-seconds 2] [--profile] [--cassandra-contact-points 127.0.0.1,127.0.0.2,127.0.0.3]
  [--cassandra-keyspace mnist_bench] [--cassandra-pids PID,PID,PID] [--work-dir .bench/e2e]
  [--out .bench/e2e.json]
Targets: bare (HTTP ceiling), embedded, cassandra (the real service), embedded-large (the real service
sent a 1024x1024 drawing, the largest it accepts: its peak RSS); what-ifs: embedded-wasm (the service
on its TF.js wasm fallback, INFERENCE_BACKEND=wasm), embedded-28px (the real service sent a 28x28 PNG).`;

const TARGETS = ['bare', 'embedded', 'cassandra', 'embedded-large', 'embedded-wasm', 'embedded-28px'] as const;
const CANVAS_DIGIT = 3;
/** The side of embedded-large's drawing: at MAX_INPUT_PIXELS' default, 1024x1024. */
const LARGE_SIDE_PX = 1024;
type TargetName = (typeof TARGETS)[number];

export interface E2ePoint extends ClosedLoopResult {
  /** Server CPU (user + system) per request, microseconds; and cores it kept busy. */
  readonly serverCpuUsPerRequest: number;
  readonly serverCores: number;
  /** The kernel's part of serverCpuUsPerRequest (syscalls, loopback TCP), µs. */
  readonly serverSysCpuUsPerRequest: number;
  /** Server CPU per request split by thread name (node = JS main thread, libuv-worker = sharp's pool), µs. */
  readonly serverThreadCpuUsPerRequest: Readonly<Record<string, number>>;
  readonly meanBatchSize: number | null;
  /** CPU of the local Cassandra nodes' JVMs per request during the run (null when not watched), µs. */
  readonly cassandraCpuUsPerRequest: number | null;
  /** Cores kept busy by everything else on the machine during the run (builds, tests, training). */
  readonly otherCores: number;
}

export interface E2eTarget {
  readonly name: TargetName;
  readonly command: string;
  readonly readiness: Record<string, unknown> | null;
  /** /readyz after the last run: a Cassandra spool backlog here means writes were not all direct. */
  readonly readinessAfter: Record<string, unknown> | null;
  readonly sampleResponse: unknown;
  readonly points: readonly E2ePoint[];
  /** Peak RSS (VmHWM) of the server process over all its runs. */
  readonly peakRssMiB: number;
  readonly logFile: string;
  readonly cpuProfileDir: string | null;
  /** Set when the target could not be measured (e.g. Cassandra not reachable); points are then empty. */
  readonly error?: string;
}

interface Options {
  readonly concurrencies: readonly number[];
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly workDir: string;
  readonly profile: boolean;
  readonly cassandraContactPoints: string;
  readonly cassandraKeyspace: string;
  /** The local Cassandra nodes' JVMs: they share the cores, and their CPU is part of a Cassandra request's cost. */
  readonly cassandraPids: readonly number[];
}

function describeTarget(name: TargetName, options: Options, dataDir: string): { args: string[]; env: Record<string, string> } {
  if (name === 'bare') return { args: [fileURLToPath(new URL('./e2e/bare-koa-server.js', import.meta.url))], env: {} };
  // The service as make run and the image start it, memory settings included.
  const args = [path.join(PROJECT_ROOT, 'dist/app/src/cli/index.js'), 'serve'];
  if (name === 'embedded-wasm') return { args, env: { ...SERVE_ENV, DATA_DIR: dataDir, INFERENCE_BACKEND: 'wasm' } };
  if (name !== 'cassandra') return { args, env: { ...SERVE_ENV, DATA_DIR: dataDir } };
  return { args, env: { ...SERVE_ENV, DATA_DIR: dataDir, CASSANDRA_CONTACT_POINTS: options.cassandraContactPoints, CASSANDRA_KEYSPACE: options.cassandraKeyspace } };
}

async function sendOne(server: RunningServer, upload: MultipartBody): Promise<unknown> {
  const response = await fetch(`${server.baseUrl}/api/predictions`, { method: 'POST', headers: { 'content-type': upload.contentType }, body: new Uint8Array(upload.body) });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`${server.name}: POST /api/predictions answered ${response.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as Record<string, unknown>;
  // The 784-value input array would drown the report; keep the answer itself.
  return Object.fromEntries(Object.entries(body).filter(([key]) => key !== 'input' && key !== 'probabilities'));
}

async function benchTarget(name: TargetName, upload: MultipartBody, options: Options): Promise<E2eTarget> {
  const dataDir = path.join(options.workDir, `${name}-data`);
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const { args, env } = describeTarget(name, options, dataDir);
  const logFile = path.join(options.workDir, `${name}.log`);
  const cpuProfileDir = options.profile ? path.join(options.workDir, `${name}-profile`) : null;
  if (cpuProfileDir !== null) await mkdir(cpuProfileDir, { recursive: true });
  process.stderr.write(`e2e: starting ${name} (node ${args.map((a) => path.relative(PROJECT_ROOT, a) || a).join(' ')})\n`);
  const server = await startServer({ name, args, env, logFile, cpuProfileDir: cpuProfileDir ?? undefined });
  const points: E2ePoint[] = [];
  try {
    const readiness = await readReadiness(server.baseUrl);
    const sampleResponse = await sendOne(server, upload);
    // The bare endpoint answers a constant: accuracy is only meaningful for the real service.
    const loop = { url: `${server.baseUrl}/api/predictions`, body: upload.body, contentType: upload.contentType, label: name === 'bare' ? null : CANVAS_DIGIT };
    await runClosedLoop({ ...loop, concurrency: 8, durationMs: options.warmupMs });
    for (const concurrency of options.concurrencies) {
      const [before, batchesBefore, jvmBefore, busyBefore] = await Promise.all([server.stats(), readBatchCounters(server.baseUrl), readCpuMsOf(options.cassandraPids), readMachineBusyMs()]);
      const result = await runClosedLoop({ ...loop, concurrency, durationMs: options.durationMs });
      const [after, batchesAfter, jvmAfter, busyAfter] = await Promise.all([server.stats(), readBatchCounters(server.baseUrl), readCpuMsOf(options.cassandraPids), readMachineBusyMs()]);
      const jvmMs = jvmBefore === null || jvmAfter === null ? null : jvmAfter - jvmBefore;
      const clientMs = (result.clientCpuUsPerRequest * result.requests) / 1000;
      const cpuMs = after.cpuMs - before.cpuMs;
      const perRequestUs = (ms: number): number => (result.requests === 0 ? 0 : Math.round((ms * 1000) / result.requests));
      points.push({
        ...result,
        serverCpuUsPerRequest: perRequestUs(cpuMs),
        serverSysCpuUsPerRequest: perRequestUs(after.sysCpuMs - before.sysCpuMs),
        serverCores: Math.round((cpuMs / (result.seconds * 1000)) * 100) / 100,
        serverThreadCpuUsPerRequest: Object.fromEntries(
          Object.entries(after.threadCpuMs).map(([thread, ms]) => [thread, perRequestUs(ms - (before.threadCpuMs[thread] ?? 0))]).filter(([, us]) => (us as number) > 0),
        ),
        meanBatchSize: meanBatchSize(batchesBefore, batchesAfter),
        cassandraCpuUsPerRequest: jvmMs === null ? null : perRequestUs(jvmMs),
        otherCores: Math.max(0, Math.round(((busyAfter - busyBefore - cpuMs - clientMs - (jvmMs ?? 0)) / (result.seconds * 1000)) * 100) / 100),
      });
      process.stderr.write(`e2e: ${name.padEnd(9)} c=${String(concurrency).padStart(2)}: ${result.requestsPerSec} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, errors ${result.requests - result.ok}\n`);
    }
    const [{ peakRssMiB }, readinessAfter] = await Promise.all([server.stats(), readReadiness(server.baseUrl)]);
    return { name, command: `node ${args.map((a) => path.relative(PROJECT_ROOT, a) || a).join(' ')}`, readiness, readinessAfter, sampleResponse, points, peakRssMiB, logFile, cpuProfileDir };
  } finally {
    await server.stop();
  }
}

/** Summed CPU time of these processes (null when none is given or one has gone). */
async function readCpuMsOf(pids: readonly number[]): Promise<number | null> {
  if (pids.length === 0) return null;
  try {
    const stats = await Promise.all(pids.map((pid) => readFile(`/proc/${pid}/stat`, 'utf8')));
    return stats.reduce((sum, line) => sum + parseStatLine(line).cpuMs, 0);
  } catch {
    return null;
  }
}

/** A real MNIST test digit as a 28x28 grey PNG: the cheapest image a client can send. */
async function readSmallDigitPng(digit: number): Promise<Buffer> {
  const { images, labels } = await readMnistTestSet();
  return encodeGreyPng(images[labels.indexOf(digit)]!);
}

function parseList(name: string, value: string | undefined, fallback: string): number[] {
  return (value ?? fallback).split(',').map((s) => positiveInt(name, s.trim()) ?? 1);
}

async function main(args: string[]): Promise<void> {
  const flags = parseFlags(args, {
    targets: { type: 'string' }, concurrency: { type: 'string' }, seconds: { type: 'string' },
    'warmup-seconds': { type: 'string' }, profile: { type: 'boolean' }, 'cassandra-contact-points': { type: 'string' },
    'cassandra-keyspace': { type: 'string' }, 'work-dir': { type: 'string' }, out: { type: 'string' }, 'cassandra-pids': { type: 'string' },
  }, USAGE);
  if (flags === null) return;
  const targets = (flags.targets ?? 'bare,embedded').split(',').map((t) => t.trim());
  for (const t of targets) if (!(TARGETS as readonly string[]).includes(t)) throw new Error(`unknown target "${t}" (${TARGETS.join(', ')})`);
  const options: Options = {
    concurrencies: parseList('concurrency', flags.concurrency, '1,8,32,64'),
    durationMs: (positiveInt('seconds', flags.seconds) ?? 8) * 1000,
    warmupMs: (positiveInt('warmup-seconds', flags['warmup-seconds']) ?? 2) * 1000,
    workDir: path.resolve(flags['work-dir'] ?? path.join(PROJECT_ROOT, '.bench/e2e')),
    profile: flags.profile === true,
    cassandraContactPoints: flags['cassandra-contact-points'] ?? '127.0.0.1,127.0.0.2,127.0.0.3',
    cassandraKeyspace: flags['cassandra-keyspace'] ?? 'mnist_bench',
    cassandraPids: flags['cassandra-pids'] === undefined ? [] : parseList('cassandra-pids', flags['cassandra-pids'], ''),
  };
  await mkdir(options.workDir, { recursive: true });
  const png = await drawDigitPng(CANVAS_DIGIT);
  const upload = encodeMultipart({ source: 'canvas' }, { field: 'image', filename: 'canvas.png', contentType: 'image/png', bytes: png });
  const small = await readSmallDigitPng(CANVAS_DIGIT);
  const smallUpload = encodeMultipart({ source: 'canvas' }, { field: 'image', filename: 'digit.png', contentType: 'image/png', bytes: small });
  const large = await drawDigitPng(CANVAS_DIGIT, { sizePx: LARGE_SIDE_PX, strokeWidthPx: 70 });
  const largeUpload = encodeMultipart({ source: 'upload' }, { field: 'image', filename: 'large.png', contentType: 'image/png', bytes: large });
  const uploads: Partial<Record<TargetName, MultipartBody>> = { 'embedded-28px': smallUpload, 'embedded-large': largeUpload };
  const results: E2eTarget[] = [];
  for (const name of targets as TargetName[]) {
    try {
      results.push(await benchTarget(name, uploads[name] ?? upload, options));
    } catch (error) {
      // One unreachable target (Cassandra down) must not throw away the others' numbers.
      const message = errorMessage(error);
      process.stderr.write(`e2e: ${name} not measured: ${message}\n`);
      results.push({ name, command: '', readiness: null, readinessAfter: null, sampleResponse: null, points: [], peakRssMiB: 0, logFile: path.join(options.workDir, `${name}.log`), cpuProfileDir: null, error: message });
    }
  }
  const out = path.resolve(flags.out ?? path.join(PROJECT_ROOT, '.bench/e2e.json'));
  const report = {
    image: { kind: `canvas PNG, digit ${CANVAS_DIGIT}, dark strokes on transparent background`, widthPx: 280, heightPx: 280, pngBytes: png.length, requestBytes: upload.body.length },
    smallImage: { kind: `first MNIST test digit ${CANVAS_DIGIT}, 28x28 grey PNG (embedded-28px only)`, pngBytes: small.length },
    largeImage: { kind: `digit ${CANVAS_DIGIT} drawn on a transparent ${LARGE_SIDE_PX}x${LARGE_SIDE_PX} canvas (embedded-large only)`, pngBytes: large.length },
    secondsPerPoint: options.durationMs / 1000,
    loadGenerator: 'closed loop of app/src/replay (undici keep-alive client, one connection per client), in its own process on the same 2 cores as the server',
    targets: results,
  };
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`e2e-bench: ${errorMessage(error)}\n`);
  process.exitCode = 1;
});
