import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedClassifier } from '../../src/inference/classifier.js';
import { WHOLE } from '../../src/replay/plan.js';
import { runReplay } from '../../src/replay/run-replay.js';
import { loadServiceClassifier, startReplayApp, type ReplayApp } from './support/replay-app.js';
import { encodeGreyPng } from '../../src/replay/png-encode.js';
import { readMnistTestSet } from '../../src/mnist/mnist-data.js';

/**
 * Load models and the recorded source against the real service on loopback. The open-loop
 * check is about the generator, not the service: requests must start at the target rate
 * whatever the service does (a rate the service can keep up with is chosen so that answers
 * do not pile up, but the property measured is request starts).
 */

describe('replay load models and sources', () => {
  let classifier: LoadedClassifier;
  let app: ReplayApp;

  beforeAll(async () => {
    classifier = await loadServiceClassifier();
    app = await startReplayApp({ classifier });
  });
  afterAll(async () => {
    await app?.close();
    await classifier?.dispose();
  });

  it('starts open-loop requests at the target rate, within 3%', async () => {
    const rateRps = 40;
    const starts: number[] = [];
    const { report } = await runReplay({
      url: app.url,
      source: 'mnist',
      load: { kind: 'open', rateRps },
      stop: { requests: 240 },
      shard: WHOLE,
      verify: false,
      timeoutMs: 60_000,
      progress: null,
      onSample: (sample) => starts.push(sample.startedAtMs),
    });
    expect(report.requests).toBe(240);
    expect(report.mode).toBe('open');
    starts.sort((a, b) => a - b);
    const achievedRps = ((starts.length - 1) * 1000) / (starts.at(-1)! - starts[0]!);
    expect(Math.abs(achievedRps - rateRps) / rateRps).toBeLessThan(0.03);
    expect(Math.abs(report.sendRateRps - rateRps) / rateRps).toBeLessThan(0.03);
    // No request started before its scheduled time: lateness is measured, never negative.
    expect(report.startLagMs.min).toBeGreaterThanOrEqual(0);
  });

  it('runs for a duration and starts no request after it', async () => {
    const { report } = await runReplay({
      url: app.url,
      source: 'mnist',
      load: { kind: 'closed', concurrency: 2 },
      stop: { durationMs: 1500 },
      shard: WHOLE,
      verify: false,
      timeoutMs: 60_000,
      progress: null,
    });
    expect(report.requests).toBeGreaterThan(0);
    expect(report.ok).toBe(report.requests);
    // Ends with the last answer after the 1.5 s budget: no new request starts after it.
    expect(report.lastSendMs! - report.startedAtMs).toBeLessThan(1500);
  });

  it('replays recorded predictions and agrees with the recorded answers of the same model', async () => {
    const test = await readMnistTestSet();
    // Users' traffic: 30 uploads through the API (source api), one corrected by its user.
    const recorded: { id: string; digit: number }[] = [];
    for (let i = 0; i < 30; i += 1) {
      const response = await fetch(`${app.url}/api/predictions?source=api`, {
        method: 'POST',
        headers: { 'content-type': 'image/png' },
        body: Uint8Array.from(await encodeGreyPng(test.images[100 + i]!)),
      });
      expect(response.status).toBe(201);
      recorded.push((await response.json()) as { id: string; digit: number });
    }
    const corrected = recorded[5]!;
    const feedback = await fetch(`${app.url}/api/predictions/${corrected.id}/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ label: (corrected.digit + 1) % 10 }),
    });
    expect(feedback.status).toBe(200);

    const { report } = await runReplay({
      url: app.url,
      source: 'recorded',
      load: { kind: 'closed', concurrency: 4 },
      stop: {},
      shard: WHOLE,
      verify: true,
      timeoutMs: 60_000,
      progress: null,
    });
    // Every recorded prediction once; replayed ones (source replay) are not recorded traffic.
    expect(report).toMatchObject({ source: 'recorded', requests: 30, ok: 30, compared: 30, agreed: 30, agreement: 1, lost: 0 });
    // The one corrected prediction is the only labelled item: the model's answer is now wrong.
    expect(report).toMatchObject({ labelled: 1, correct: 0, accuracy: 0 });
  });
});
