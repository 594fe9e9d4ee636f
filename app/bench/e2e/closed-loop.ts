import { createAggregate, recordSample } from '../../src/replay/aggregate.js';
import { createReplayClient } from '../../src/replay/http-client.js';
import { runClosedLoop as runReplayClosedLoop } from '../../src/replay/load-closed.js';
import { nowMs, type ReplayItem } from '../../src/replay/outcome.js';
import { WHOLE } from '../../src/replay/plan.js';
import { summarizeLatency } from '../../src/replay/report.js';
import { round } from '../measure.js';

/**
 * The end-to-end benchmark's load: the replay tool's own closed-loop generator, HTTP client
 * (undici, keep-alive, one connection per client) and mergeable histogram, driven for a fixed
 * time with one request body. It also reports its own CPU time: the driver shares the two cores
 * with the server, and what it burns the server does not get.
 */

export interface ClosedLoopOptions {
  readonly url: string;
  readonly body: Buffer;
  readonly contentType: string;
  readonly concurrency: number;
  readonly durationMs: number;
  /** The digit the image shows, so the run also reports how often the service got it right. */
  readonly label?: number | null;
  readonly timeoutMs?: number;
}

export interface ClosedLoopResult {
  readonly concurrency: number;
  readonly requests: number;
  readonly ok: number;
  readonly errorsByStatus: Record<string, number>;
  readonly seconds: number;
  /** Successful (201) answers per second. */
  readonly requestsPerSec: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number };
  /** Share of 201 answers whose digit equals the label (null when no label). */
  readonly accuracy: number | null;
  /** CPU the driver process used per request (user + system), in microseconds. */
  readonly clientCpuUsPerRequest: number;
  /**
   * The measured window on CLOCK_MONOTONIC in microseconds: the clock V8's CPU profiles use, so
   * a server profile can be cut to exactly this window (see profile-summary.ts).
   */
  readonly monotonicWindowUs: { readonly start: number; readonly end: number };
}

/** Runs the loop; a failed request is counted under its status (or "network"), never thrown. */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const baseUrl = new URL(options.url).origin;
  const client = createReplayClient({ baseUrl, connections: options.concurrency, timeoutMs: options.timeoutMs ?? 30_000 });
  const item: ReplayItem = { sourceIndex: 0, body: options.body, contentType: options.contentType, label: options.label ?? null, recordedDigit: null };
  const cpuBefore = process.cpuUsage();
  const windowStartUs = Number(process.hrtime.bigint() / 1000n);
  const startAtMs = nowMs();
  const aggregate = createAggregate(startAtMs);
  try {
    await runReplayClosedLoop({
      shard: WHOLE,
      stop: { durationMs: options.durationMs },
      itemAt: () => item,
      send: client.sendItem,
      onSample: (sample) => recordSample(aggregate, sample),
      startAtMs,
    }, options.concurrency);
  } finally {
    await client.close();
  }
  const windowEndUs = Number(process.hrtime.bigint() / 1000n);
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (aggregate.endedAtMs - startAtMs) / 1000;
  const latency = summarizeLatency(aggregate.latency);
  const errorsByStatus = { ...aggregate.errorsByStatus };
  return {
    concurrency: options.concurrency,
    requests: aggregate.requests,
    ok: aggregate.ok,
    errorsByStatus,
    seconds: round(seconds),
    requestsPerSec: round(seconds === 0 ? 0 : aggregate.ok / seconds, 1),
    latencyMs: { p50: round(latency.p50), p90: round(latency.p90), p99: round(latency.p99), max: round(latency.max), mean: round(latency.mean) },
    accuracy: aggregate.labelled === 0 ? null : round(aggregate.correct / aggregate.labelled, 4),
    clientCpuUsPerRequest: round(aggregate.requests === 0 ? 0 : (cpu.user + cpu.system) / aggregate.requests, 1),
    monotonicWindowUs: { start: windowStartUs, end: windowEndUs },
  };
}
