import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runClosedLoop, type LoadOptions } from './load-closed.js';
import { runOpenLoop } from './load-open.js';
import { nowMs, type Outcome, type ReplayItem, type Sample } from './outcome.js';

const ITEM: ReplayItem = { sourceIndex: 0, body: new Uint8Array([1]), contentType: 'image/png', label: 1, recordedDigit: null };
const CREATED: Outcome = { status: 201, id: 'x', digit: 1 };

function options(overrides: Partial<LoadOptions> & Pick<LoadOptions, 'send' | 'stop'>, samples: Sample[]): LoadOptions {
  return { shard: { index: 0, count: 1 }, itemAt: () => ITEM, onSample: (s) => samples.push(s), ...overrides };
}

describe('open-loop generator', () => {
  it('keeps sending on schedule while the server stalls, and charges the stall to latency', async () => {
    const samples: Sample[] = [];
    const t0 = nowMs() + 20;
    // The server answers nothing until STALLED requests have started (not for a fixed time: a
    // slow moment of the machine would then decide the count). A closed loop would start 1.
    const STALLED = 30;
    let releaseStall!: () => void;
    const stall = new Promise<void>((resolve) => (releaseStall = resolve));
    const giveUp = sleep(10_000, undefined, { ref: false }); // only if the generator stops sending; the assertions then fail
    let firstAnswerAtMs = Number.POSITIVE_INFINITY;
    const starts: number[] = [];
    const send = async (): Promise<Outcome> => {
      starts.push(nowMs());
      if (starts.length === STALLED) releaseStall();
      await Promise.race([stall, giveUp]);
      firstAnswerAtMs = Math.min(firstAnswerAtMs, nowMs());
      return CREATED;
    };
    await runOpenLoop(options({ send, stop: { requests: 80 }, startAtMs: t0 }, samples), 200);
    expect(samples).toHaveLength(80);
    expect(starts.filter((t) => t < firstAnswerAtMs).length).toBeGreaterThanOrEqual(STALLED);
    // Request 0 was answered only once request 29 (due at t0 + 145 ms) had started: the stall
    // is charged to its latency, from its schedule.
    const first = samples.find((s) => s.requestIndex === 0)!;
    expect(first.endedAtMs - first.scheduledAtMs).toBeGreaterThanOrEqual((STALLED - 1) * 5);
    for (const s of samples) {
      expect(s.scheduledAtMs).toBeCloseTo(t0 + s.requestIndex * 5, 6);
      expect(s.startedAtMs).toBeGreaterThanOrEqual(s.scheduledAtMs);
    }
  });

  it('schedules a shard on the global timeline: request k of shard 1/3 is due at t0 + k/R', async () => {
    const samples: Sample[] = [];
    const t0 = nowMs();
    await runOpenLoop(options({ send: async () => CREATED, stop: { requests: 30 }, shard: { index: 1, count: 3 }, startAtMs: t0 }, samples), 1000);
    expect(samples.map((s) => s.requestIndex).sort((a, b) => a - b)).toEqual([1, 4, 7, 10, 13, 16, 19, 22, 25, 28]);
    for (const s of samples) expect(s.scheduledAtMs).toBeCloseTo(t0 + s.requestIndex, 6);
  });

  it('stops scheduling at the duration and still waits for requests in flight', async () => {
    const samples: Sample[] = [];
    const t0 = nowMs();
    const send = async (): Promise<Outcome> => {
      await sleep(30);
      return CREATED;
    };
    await runOpenLoop(options({ send, stop: { durationMs: 100 }, startAtMs: t0 }, samples), 100);
    expect(samples.map((s) => s.requestIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Math.max(...samples.map((s) => s.endedAtMs))).toBeGreaterThan(t0 + 90 + 29);
  });
});

describe('closed-loop generator', () => {
  it('never has more than C requests outstanding and sends each request index once', async () => {
    const samples: Sample[] = [];
    let inFlight = 0;
    let peak = 0;
    const send = async (): Promise<Outcome> => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await sleep(2);
      inFlight -= 1;
      return CREATED;
    };
    await runClosedLoop(options({ send, stop: { requests: 40 } }, samples), 3);
    expect(peak).toBe(3);
    expect(samples.map((s) => s.requestIndex).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, k) => k));
    for (const s of samples) expect(s.scheduledAtMs).toBe(s.startedAtMs);
  });

  it('stops taking new requests when aborted', async () => {
    const samples: Sample[] = [];
    const controller = new AbortController();
    const send = async (): Promise<Outcome> => {
      if (samples.length >= 4) controller.abort();
      await sleep(1);
      return CREATED;
    };
    await runClosedLoop(options({ send, stop: { requests: 1_000 }, signal: controller.signal }, samples), 2);
    expect(samples.length).toBeLessThan(10);
  });
});
