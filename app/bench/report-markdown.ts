import type { ClassifierBenchResult } from './classifier-bench.js';
import type { MachineInfo } from './machine-info.js';
import { STAGES, type Stage } from './profile-stages.js';
import type { E2eReport, PreprocessReport, TargetCheck } from './report-targets.js';
import type { StartupResult } from './startup-bench.js';

/**
 * The human-readable side of `make bench`: markdown tables printed at the end of the run and
 * written to .bench/results.md. Pure: data in, text out.
 */

export interface BenchResults {
  readonly schema: 'mnist-bench/1';
  readonly date: string;
  readonly command: string;
  readonly gitCommit: string;
  readonly machine: MachineInfo;
  readonly classifier: ClassifierBenchResult | null;
  readonly preprocess: PreprocessReport | null;
  readonly e2e: E2eReport | null;
  readonly targets: readonly TargetCheck[];
  readonly peakMemory: { readonly target: string; readonly peakRssMiB: number } | null;
  /** Server CPU per canvas prediction (embedded, 32 connections) by request stage, µs. */
  readonly cpuByStage: Readonly<Record<Stage, number>> | null;
  readonly startup: StartupResult | null;
  readonly notes: readonly string[];
}

function stageSection(stages: Readonly<Record<Stage, number>>): string {
  const total = STAGES.reduce((sum, s) => sum + stages[s], 0);
  const rows = STAGES.map((s) => [s, num(stages[s]), total === 0 ? '-' : `${num((stages[s] / total) * 100, 1)} %`]);
  return [
    'The unprofiled run\'s CPU per request (all threads, /proc), split by a CPU profile of the same load (a separate pass): the samples of the main thread and of the inference worker (which preprocesses uploads too) go to the stage of the innermost frame that names one (JSON.stringify called by Koa\'s respond is respond/log, zlib called by the PNG decoder is decode); libvips\' threads count as decode, Node\'s other threads (GC helpers, libuv pool) as runtime.',
    '',
    formatTable(['stage', 'µs per request', 'share'], [...rows, ['total', num(total), '100 %']]),
  ].join('\n');
}

function startupSection(s: StartupResult): string {
  return `Median of ${s.runs} runs each, alternating: \`make run\` ${s.makeRunMs.map((ms) => num(ms)).join(' / ')} ms; the serve process alone ${s.processMs.map((ms) => num(ms)).join(' / ')} ms (inference on ${s.backend ?? '?'}).`;
}

/** A GitHub-flavoured markdown table; `|` inside cells is escaped. Numeric-looking columns align right. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => /^[-\d.,]+( ?[a-zA-Z/%x]+)?$|^-$/.test(r[i] ?? '')));
  const lines = [
    `| ${headers.map(esc).join(' | ')} |`,
    `|${headers.map((_, i) => (numeric[i] ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${headers.map((_, i) => esc(r[i] ?? '')).join(' | ')} |`),
  ];
  return lines.join('\n');
}

const num = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined ? '-' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function machineSection(m: MachineInfo): string {
  return formatTable(['what', 'value'], [
    ['CPU', `${m.cpuModel} (${m.cores} cores visible; ${m.cpuFlags.join(', ') || 'no flags read'})`],
    ['memory', `${num(m.memoryGiB, 1)} GiB`],
    ['OS', m.os],
    ['node', m.node],
    ['inference backend', m.backend ?? '-'],
    ['load average (1/5/15 min) at start', m.loadAverageAtStart ?? '-'],
    ['load average (1/5/15 min) at end', m.loadAverageAtEnd],
  ]);
}

function classifierSection(c: ClassifierBenchResult): string {
  const runtimes = [...new Set(c.rows.map((r) => r.runtime))];
  const batches = [...new Set(c.rows.map((r) => r.batch))].sort((a, b) => a - b);
  const rows = runtimes.map((runtime) => [runtime, ...batches.map((b) => num(c.rows.find((r) => r.runtime === runtime && r.batch === b)?.imagesPerSec))]);
  const cpu = runtimes.map((runtime) => [runtime, ...batches.map((b) => num(c.rows.find((r) => r.runtime === runtime && r.batch === b)?.cpuMsPerImage, 3))]);
  return [
    `Model ${c.modelVersion}; median of ${c.roundsPerPoint} rounds of ${c.secondsPerRound} s, runtimes alternating. images/s:`,
    '',
    formatTable(['runtime', ...batches.map((b) => `batch ${b}`)], rows),
    '',
    'CPU ms per image (process CPU time, all threads):',
    '',
    formatTable(['runtime', ...batches.map((b) => `batch ${b}`)], cpu),
  ].join('\n');
}

function preprocessSection(p: PreprocessReport): string {
  const rows = p.results.flatMap((r) => r.rows.map((row) => [r.image, row.pipeline, num(row.imagesPerSec), num(row.cpuMsPerImage, 3)]));
  return [
    `UV_THREADPOOL_SIZE=${p.uvThreadpoolSize ?? '?'}, ${p.inFlight ?? '?'} calls in flight.`,
    '',
    formatTable(['image', 'pipeline', 'images/s', 'CPU ms/image'], rows),
  ].join('\n');
}

function e2eSection(e: E2eReport): string {
  const rows = e.targets.flatMap((t) => t.points.map((p) => [
    t.name, String(p.concurrency), num(p.requestsPerSec), num(p.latencyMs.p50, 2), num(p.latencyMs.p99, 2),
    String(p.requests - p.ok), `${num(p.serverCpuUsPerRequest)} (${num(p.serverSysCpuUsPerRequest ?? 0)})`, num(p.serverCores, 2), num(p.clientCpuUsPerRequest),
    p.meanBatchSize === null ? '-' : num(p.meanBatchSize, 1), p.cassandraCpuUsPerRequest === null || p.cassandraCpuUsPerRequest === undefined ? '-' : num(p.cassandraCpuUsPerRequest),
    p.otherCores === undefined ? '-' : num(p.otherCores, 2),
  ]));
  const measured = e.targets.filter((t) => t.error === undefined);
  const memory = measured.map((t) => `${t.name} ${num(t.peakRssMiB, 1)} MiB`).join(', ');
  const threads = [...new Set(measured.flatMap((t) => t.points.flatMap((p) => Object.keys(p.serverThreadCpuUsPerRequest ?? {}))))].sort();
  const threadRows = measured.flatMap((t) => t.points.filter((p) => p.concurrency === 32).map((p) => [t.name, ...threads.map((th) => num(p.serverThreadCpuUsPerRequest?.[th] ?? 0))]));
  return [
    formatTable(['server', 'connections', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU µs/req (kernel)', 'server cores', 'client CPU µs/req', 'mean batch', 'Cassandra JVMs CPU µs/req', 'other load (cores)'], rows),
    '',
    `Peak RSS (VmHWM) per server process over all its runs: ${memory}.`,
    ...(e.targets.some((t) => t.name === 'embedded-large')
      ? ['', 'embedded-large is the real service sent a 1024x1024 drawing, the largest image it accepts: the heaviest run, for the peak RSS.']
      : []),
    ...(e.targets.some((t) => t.name === 'embedded-wasm' || t.name === 'embedded-28px')
      ? ['', 'What-ifs (not targets): embedded-wasm is the service on its TF.js wasm fallback (INFERENCE_BACKEND=wasm: where onnxruntime-node is not installed); embedded-28px is the real service sent a 28x28 PNG instead of the 280x280 canvas.']
      : []),
    ...e.targets.filter((t) => t.error !== undefined).map((t) => `\n${t.name}: not measured (${t.error}).`),
    ...measured.map((t) => ({ t, store: (t.readinessAfter?.store as { detail?: string } | undefined)?.detail }))
      .filter(({ store }) => store !== undefined).map(({ t, store }) => `\n${t.name} store after its runs: ${store}.`),
    '',
    'Server CPU µs per request by thread at 32 connections (node = JS main thread; mnist-inference = the inference worker thread; libvips worker = libvips decoding threads; libuv pool + V8 helpers = Node\'s other threads: the pool sharp runs its pipeline on, GC, compiler):',
    '',
    formatTable(['server', ...threads], threadRows),
  ].join('\n');
}

/** The most cores other processes took during any end-to-end run. */
export function maxOtherCores(e: E2eReport): number {
  return Math.max(0, ...e.targets.flatMap((t) => t.points.map((p) => p.otherCores ?? 0)));
}

/** The whole results.md. */
export function renderMarkdown(r: BenchResults): string {
  const x = (v: number | null): string => (v === null ? '-' : `${num(v, 3)}x`);
  const targets = formatTable(['area', 'what', 'measured', 'reference', 'ratio', 'goal', 'verdict', 'ratio by CPU cost'],
    r.targets.map((t) => [t.area, t.what, t.measured, t.reference, x(t.ratio), t.goal, t.verdict, x(t.cpuRatio)]));
  const contention = r.machine.contended
    ? `**Contended run**: other processes used ${r.machine.otherCpuPercentAtStart ?? '?'}% of a core just before the run${r.e2e ? ` and up to ${num(maxOtherCores(r.e2e), 2)} cores during the end-to-end runs` : ''}, so the two sides of each ratio got unequal, shifting CPU shares. Verdicts use the measured rates as the issue asks; the last column gives the ratio from CPU time per item instead (idle-machine estimate, CPU-bound sides: onnxruntime on every core at its one-thread cost, wasm on one; the service's main thread is one thread), which other load skews far less.\n\n`
    : '';
  const parts = [
    `# Benchmark results (${r.date})`,
    '',
    `Command: \`${r.command}\` at commit ${r.gitCommit}.`,
    '',
    '## Machine',
    '',
    machineSection(r.machine),
    '',
    '## Targets',
    '',
    `${contention}${targets}`,
    '',
    `Peak RSS of the service under the heaviest run: ${r.peakMemory ? `${num(r.peakMemory.peakRssMiB, 1)} MiB (${r.peakMemory.target})` : 'not measured'}.`,
    '',
    '## Server CPU per canvas prediction, by stage (embedded store, 32 connections)',
    '',
    r.cpuByStage ? stageSection(r.cpuByStage) : 'Not run (the profile pass: BENCH_PROFILE=0 skips it).',
    '',
    '## Start-up',
    '',
    r.startup ? startupSection(r.startup) : 'Not run.',
    '',
    '## Classifier alone',
    '',
    r.classifier ? classifierSection(r.classifier) : 'Not run.',
    '',
    '## Preprocessing alone',
    '',
    r.preprocess ? preprocessSection(r.preprocess) : 'Not run.',
    '',
    '## End to end on loopback (POST /api/predictions, canvas PNG, multipart)',
    '',
    r.e2e ? e2eSection(r.e2e) : 'Not run.',
  ];
  if (r.notes.length > 0) parts.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  return `${parts.join('\n')}\n`;
}
