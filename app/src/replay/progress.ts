import type { Aggregate } from './aggregate.js';
import { nowMs } from './outcome.js';

/**
 * The live progress line on stderr: done/total (or elapsed/duration), live answers per second,
 * errors and p99 so far. On a terminal it redraws one line four times a second; in a log (a
 * pod, CI) it prints a plain line every five seconds so logs stay readable.
 */

export interface ProgressOptions {
  readonly stream: NodeJS.WriteStream;
  readonly aggregate: Aggregate;
  /** Requests this process will send, when bounded by count. */
  readonly totalRequests?: number | undefined;
  /** Time budget, when bounded by duration. */
  readonly durationMs?: number | undefined;
  readonly startedAtMs: number;
}

export interface Progress {
  /** Draws the final state and ends the line. */
  stop(): void;
}

const BAR_WIDTH = 24;

export function startProgress(options: ProgressOptions): Progress {
  const tty = options.stream.isTTY === true;
  const intervalMs = tty ? 250 : 5000;
  let lastCount = 0;
  let lastAtMs = options.startedAtMs;
  let rateRps = 0;

  function draw(final: boolean): void {
    const a = options.aggregate;
    const now = nowMs();
    if (now > lastAtMs) rateRps = ((a.requests - lastCount) * 1000) / (now - lastAtMs);
    lastCount = a.requests;
    lastAtMs = now;
    const elapsedS = (now - options.startedAtMs) / 1000;
    const fraction = options.totalRequests
      ? a.requests / options.totalRequests
      : options.durationMs
        ? Math.min(1, (elapsedS * 1000) / options.durationMs)
        : 0;
    const filled = Math.round(Math.min(1, fraction) * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
    const done = options.totalRequests ? `${a.requests}/${options.totalRequests}` : `${a.requests}`;
    const line =
      `${bar} ${done} ${(fraction * 100).toFixed(0)}% | ${rateRps.toFixed(0)} req/s | ` +
      `errors ${a.requests - a.ok} | p99 ${a.latency.percentileMs(99).toFixed(1)} ms | ${elapsedS.toFixed(1)} s`;
    if (tty) options.stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else options.stream.write(`${line}\n`);
  }

  const timer = setInterval(() => draw(false), intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      draw(true);
    },
  };
}
