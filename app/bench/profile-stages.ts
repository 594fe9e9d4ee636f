import type { CallFrame, CpuProfile, SampleWindow } from './profile-summary.js';

/**
 * CPU per canvas prediction by stage of the request: receive/parse, decode, preprocess,
 * inference, store, respond/log. A sample of a JS thread's profile (the main thread, the
 * inference worker) belongs to the stage of the innermost frame on its stack that names one
 * (JSON.stringify called by Koa's respond is respond; zlib called by png-decode is decode);
 * samples no frame claims (GC, V8 itself) are "runtime". The profile gives each stage's share
 * of its thread; the unprofiled run's per-thread CPU (from /proc) turns shares into
 * microseconds and adds the threads V8 cannot profile (libvips, Node's helpers).
 */

export const STAGES = ['receive/parse', 'decode', 'preprocess', 'inference', 'store', 'respond/log', 'runtime (GC, V8)'] as const;
export type Stage = (typeof STAGES)[number];

const RUNTIME: Stage = 'runtime (GC, V8)';

/** First match wins, tried from the sampled frame outwards. */
const RULES: ReadonlyArray<readonly [RegExp, Stage]> = [
  [/\/app\/src\/preprocess\/png-decode\.js$|\/node_modules\/sharp\//, 'decode'],
  [/\/app\/src\/preprocess\//, 'preprocess'],
  [/\/app\/src\/inference\/|\/node_modules\/onnxruntime-|\/@tensorflow\/|^wasm:\/\//, 'inference'],
  [/\/app\/src\/store\/|\/node_modules\/(better-sqlite3|cassandra-driver)\//, 'store'],
  [/\/node_modules\/(pino|pino-std-serializers|sonic-boom|thread-stream|fast-redact|safe-stable-stringify|quick-format-unescaped|prom-client|tdigest|bintrees)\//, 'respond/log'],
  [/\/app\/src\/(routes|metrics|logger)|\/app\/src\/http\/request-log\.js$|\/node_modules\/koa\/lib\/(application|response)\.js$|^node:_http_outgoing$/, 'respond/log'],
  [/\/node_modules\/(koa|@koa|koa-compose|multer|busboy|streamsearch|append-field|type-is|mime-types|content-type|media-typer)\/|\/app\/src\/(http|server)|^node:_http_/, 'receive/parse'],
];

/**
 * Sockets and streams serve both directions: their stage is that of the nearest caller that
 * names one (Node's outgoing HTTP for a response), else reading a request.
 */
const SHARED = /^node:(net|stream|events|buffer|internal\/(streams|stream_base_commons|process|timers))/;

/** Native frames (no URL) whose caller is no help: they are the stage themselves. */
const NATIVE: Readonly<Record<string, Stage>> = {
  '(garbage collector)': RUNTIME,
  '(program)': RUNTIME,
  postMessage: 'inference',
};

function stageOfFrame(frame: CallFrame): Stage | undefined {
  if (frame.url === '') return NATIVE[frame.functionName];
  for (const [pattern, stage] of RULES) if (pattern.test(frame.url)) return stage;
  return undefined;
}

/** Busy (non-idle) sampled microseconds of one thread by stage, within `window`. */
export function sampleStages(profiles: readonly CpuProfile[], window?: SampleWindow): Record<Stage, number> {
  const totals = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parentOf = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
    // One stack walk per distinct node, not per sample.
    const stageOfNode = new Map<number, Stage | null>();
    const resolve = (id: number): Stage | null => {
      const known = stageOfNode.get(id);
      if (known !== undefined) return known;
      const node = byId.get(id);
      if (node === undefined || node.callFrame.functionName === '(idle)') return null;
      let stage: Stage | undefined;
      let shared = false;
      for (let at: number | undefined = id; at !== undefined && stage === undefined; at = parentOf.get(at)) {
        const frame = byId.get(at)?.callFrame;
        if (frame === undefined) continue;
        stage = stageOfFrame(frame);
        shared ||= SHARED.test(frame.url);
      }
      const result = stage ?? (shared ? 'receive/parse' : RUNTIME);
      stageOfNode.set(id, result);
      return result;
    };
    let at = profile.startTime;
    profile.samples.forEach((id, i) => {
      const us = profile.timeDeltas[i] ?? 0;
      at += us;
      if (window !== undefined && (at < window.startUs || at > window.endUs)) return;
      const stage = resolve(id);
      if (stage !== null && us > 0) totals[stage] += us;
    });
  }
  return totals;
}

/** What profile-cli writes with --stages-out: each profiled thread's sampled time by stage, by thread name. */
export interface StageSamples {
  readonly requests: number | null;
  /** Keyed like the end-to-end benchmark's per-thread CPU: node (main), mnist-inference. */
  readonly threads: Readonly<Record<string, Readonly<Record<Stage, number>>>>;
}

/** The server's CPU per request by thread name, as the end-to-end benchmark measures it. */
export interface ThreadCpu {
  readonly serverCpuUsPerRequest: number;
  readonly serverThreadCpuUsPerRequest: Readonly<Record<string, number>>;
}

/** Where each non-main thread's CPU goes: the inference worker, libvips' decoders, the rest. */
const THREAD_STAGES: Readonly<Record<string, Stage>> = { 'mnist-inference': 'inference', 'libvips worker': 'decode' };

/**
 * µs of CPU per request by stage: each profiled thread's CPU split by its profile's shares, the
 * other threads whole (the profiler's own thread, absent from an unprofiled run, is not
 * counted). The stages add up to the measured server CPU per request.
 */
export function cpuPerStage(sampled: Readonly<Record<string, Readonly<Record<Stage, number>>>>, measured: ThreadCpu): Record<Stage, number> {
  const out = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  for (const [thread, us] of Object.entries(measured.serverThreadCpuUsPerRequest)) {
    if (thread.startsWith('v8:ProfEvnt')) continue;
    const shares = sampled[thread];
    const busy = shares === undefined ? 0 : STAGES.reduce((sum, s) => sum + shares[s], 0);
    if (shares === undefined || busy === 0) out[THREAD_STAGES[thread] ?? RUNTIME] += us;
    else for (const stage of STAGES) out[stage] += (shares[stage] / busy) * us;
  }
  for (const stage of STAGES) out[stage] = Math.round(out[stage]);
  return out;
}
