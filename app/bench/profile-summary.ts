import { formatTable } from './report-markdown.js';

/**
 * Where the main thread's time goes: reads a V8 .cpuprofile (node --cpu-prof) and sums self
 * time by area (TF.js wasm kernels, sharp, Koa/multer, logging, SQLite, GC, idle...) and by
 * function. The profile samples the JS main thread only; work on libuv's pool (sharp's decode)
 * shows as idle here and is reported per thread by the end-to-end benchmark instead.
 */

export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  /** Ids of the frames this one called (V8 writes it; tests may leave it out). */
  readonly children?: readonly number[];
}

export interface CpuProfile {
  /** CLOCK_MONOTONIC microseconds of the first sample's base; timeDeltas add up from here. */
  readonly startTime: number;
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const AREAS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^wasm:\/\//, 'TF.js wasm kernels'],
  [/\/@tensorflow\//, 'TF.js (JS side)'],
  [/\/node_modules\/sharp\//, 'sharp (JS side)'],
  [/\/node_modules\/better-sqlite3\//, 'SQLite (better-sqlite3)'],
  [/\/node_modules\/cassandra-driver\//, 'Cassandra driver'],
  [/\/node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream|fast-redact|safe-stable-stringify|quick-format-unescaped)\//, 'logging (pino)'],
  [/\/node_modules\/(prom-client|tdigest|bintrees)\//, 'metrics (prom-client)'],
  [/\/node_modules\/(koa|@koa|koa-compose|multer|busboy|streamsearch|append-field|type-is|mime-types|content-type|cookies|http-errors|statuses|on-finished|vary|accepts|negotiator|path-to-regexp|delegates|destroy|encodeurl|escape-html|fresh|parseurl|only|koa-convert)\//, 'HTTP framework (Koa, router, multer)'],
  [/\/node_modules\/undici\//, 'undici'],
];

const IDLE = 'idle (waiting: I/O, libuv pool, timers)';

/** Native functions V8 shows without a script, by what they do for this service. */
const NATIVE_AREAS: Readonly<Record<string, string>> = {
  writev: 'native: socket and file writes',
  writeString: 'native: socket and file writes',
  writeBuffer: 'native: socket and file writes',
  utf8Write: 'native: socket and file writes',
  fsync: 'native: fsync',
  runMicrotasks: 'native: promise jobs',
  GenericJSToWasmWrapper: 'TF.js wasm kernels',
};

/** The area a frame's self time belongs to. */
export function classifyFrame(frame: CallFrame): string {
  const { functionName, url } = frame;
  if (functionName === '(idle)') return IDLE;
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(program)') return 'V8/native (program)';
  for (const [pattern, area] of AREAS) if (pattern.test(url)) return area;
  const app = /\/app\/src\/([^/]+)\//.exec(url) ?? /\/app\/src\/([^/]+)\.js$/.exec(url);
  if (app !== null) return `app: ${app[1]}`;
  if (/^node:internal\/(modules|deps\/cjs-module-lexer)/.test(url) || /^(compileFunction|compileFunctionForCJSLoader|internalModuleStat|dlopen|readFileUtf8)$/.test(functionName)) {
    return 'start-up: module loading';
  }
  if (url.startsWith('node:')) return 'Node.js core (http, streams, buffers)';
  if (url === '') return NATIVE_AREAS[functionName] ?? 'native (other)';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  return pkg !== null ? `package: ${pkg[1]}` : 'other';
}

/** Only samples taken inside this CLOCK_MONOTONIC window (µs) count; e.g. one measured run. */
export interface SampleWindow {
  readonly startUs: number;
  readonly endUs: number;
  /** Requests served in the window, to express areas per request. */
  readonly requests?: number;
  /**
   * The profiled thread's real CPU time per request over the window (from /proc). Profile
   * samples are wall time: on a busy machine a preempted thread's wait lands on whatever
   * function ran. With this, each area's share of the busy (non-idle) samples is scaled to
   * real CPU time.
   */
  readonly threadCpuUsPerRequest?: number;
}

export interface ProfileBreakdown {
  readonly totalMs: number;
  /** The thread's time per request in the window (null without a request count). */
  readonly totalUsPerRequest: number | null;
  readonly areas: ReadonlyArray<{ readonly area: string; readonly ms: number; readonly share: number; readonly usPerRequest: number | null }>;
  readonly functions: ReadonlyArray<{ readonly name: string; readonly area: string; readonly ms: number; readonly share: number }>;
}

/** Self time per area and per function, largest first. */
export function summarizeProfiles(profiles: readonly CpuProfile[], window?: SampleWindow, topFunctions = 25): ProfileBreakdown {
  const areas = new Map<string, number>();
  const functions = new Map<string, { area: string; us: number }>();
  let totalUs = 0;
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    let at = profile.startTime;
    profile.samples.forEach((id, i) => {
      const frame = byId.get(id);
      const us = profile.timeDeltas[i] ?? 0;
      at += us;
      if (window !== undefined && (at < window.startUs || at > window.endUs)) return;
      if (frame === undefined || us <= 0) return;
      totalUs += us;
      const area = classifyFrame(frame);
      areas.set(area, (areas.get(area) ?? 0) + us);
      const file = frame.url === '' ? '' : ` ${frame.url.replace(/^.*\/(node_modules|app)\//, '$1/')}:${frame.lineNumber + 1}`;
      const key = `${frame.functionName || '(anonymous)'}${file}`;
      const entry = functions.get(key) ?? { area, us: 0 };
      entry.us += us;
      functions.set(key, entry);
    });
  }
  const share = (us: number): number => (totalUs === 0 ? 0 : Math.round((us / totalUs) * 1000) / 10);
  const busyUs = totalUs - (areas.get(IDLE) ?? 0);
  const cpuPerRequest = window?.threadCpuUsPerRequest;
  const perRequest = (us: number, area?: string): number | null => {
    if (cpuPerRequest !== undefined) return area === IDLE || busyUs === 0 ? null : Math.round((us / busyUs) * cpuPerRequest);
    return window?.requests ? Math.round(us / window.requests) : null;
  };
  return {
    totalMs: Math.round(totalUs / 1000),
    totalUsPerRequest: cpuPerRequest !== undefined ? Math.round(cpuPerRequest) : perRequest(totalUs),
    areas: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, ms: Math.round(us / 1000), share: share(us), usPerRequest: perRequest(us, area) })),
    functions: [...functions.entries()].sort((a, b) => b[1].us - a[1].us).slice(0, topFunctions)
      .map(([name, { area, us }]) => ({ name, area, ms: Math.round(us / 1000), share: share(us) })),
  };
}

/**
 * Node's thread id (0 = the main thread) from a `node --cpu-prof` file name:
 * CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile. Other names count as the main thread.
 */
export function readProfileThreadId(file: string): number {
  const match = /\.(\d+)\.\d+\.cpuprofile$/.exec(file.slice(file.lastIndexOf('/') + 1));
  return match === null ? 0 : Number(match[1]);
}

/** Markdown: the areas table, then the top functions, of one thread (`thread`, e.g. "Main-thread"). */
export function renderBreakdown(b: ProfileBreakdown, title: string, thread = 'Main-thread'): string {
  return [
    `# ${title}`,
    '',
    `${thread} samples: ${b.totalMs.toLocaleString('en-US')} ms${b.totalUsPerRequest === null ? '' : `; ${thread.toLowerCase()} CPU ${b.totalUsPerRequest} µs per request`}. Self time by area (µs/request: the area's share of busy samples times that CPU time):`,
    '',
    formatTable(['area', 'ms', 'share %', 'µs/request'], b.areas.map((a) => [a.area, String(a.ms), a.share.toFixed(1), a.usPerRequest === null ? '-' : String(a.usPerRequest)])),
    '',
    'Top functions by self time:',
    '',
    formatTable(['function', 'area', 'ms', 'share %'], b.functions.map((f) => [f.name, f.area, String(f.ms), f.share.toFixed(1)])),
    '',
  ].join('\n');
}
