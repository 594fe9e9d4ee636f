import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { loadDigitModel } from '../../src/lifecycle/digit-model.js';
import { readModelCard } from '../../src/model/model-card.js';
import { preprocessImage } from '../../src/preprocess/preprocess.js';
import { drawStyleSamples, ORDINARY_STYLES, styleNamed, UNUSUAL_STYLES, type DigitStyle } from '../fixtures/unusual-digits.js';
import { correct, getJson, postDrawing, startTraffic, type TrafficLoop } from './support/client.js';
import { runCli, startService, type CliRun, type Service } from './support/service.js';

/**
 * The loop of issue 13, end to end, on the real service and the real CLI sharing one embedded
 * store and registry: a class of drawings the committed model misreads, corrected by users
 * through the API, a retrain that learns it, gates and a canary that promote it; a bad
 * candidate the gates reject; a candidate that only live users find wrong, rolled back by its
 * canary; and a steady background of ordinary drawings that never sees a failed request.
 */

/** The class kept: a 3 written backwards ("Ɛ", as children write it), which the model reads as 8. */
const CLASS = styleNamed('three-mirrored');
/** Drawings of the class posted and corrected through the API. */
const CORRECTED = 150;
/** Seeds of the drawings: the survey, the corrected ones, the fresh ones after promotion never overlap. */
const SEEDS = { survey: 101, corrected: 202, fresh: 303, background: 404, liveUsers: 505 } as const;

/** The good retrain: the defaults (4 epochs of 10,000 MNIST images + the corrections, ~1 min on 2 cores), seeded. */
const RETRAIN = ['--seed', '7'];
/** Canary flags for a test: a big share and a short watch, so that it sees enough predictions quickly. */
const CANARY = ['--weight', '0.5', '--poll-ms', '500', '--min-predictions', '10'];

async function answersOfCommittedModel(styles: readonly DigitStyle[], count: number): Promise<Map<string, number[]>> {
  const config = loadConfig({});
  const limits = { maxInputPixels: config.maxInputPixels, maxImageSidePx: config.maxImageSidePx, maxImageFrames: config.maxImageFrames, decodeTimeoutMs: config.decodeTimeoutMs };
  const model = await loadDigitModel({ modelDir: config.modelDir, backend: 'auto', cpuThreads: 1 });
  try {
    const answers = new Map<string, number[]>();
    for (const style of styles) {
      const inputs = await Promise.all((await drawStyleSamples(style, count, SEEDS.survey)).map(async (png) => (await preprocessImage(png, limits)).input));
      answers.set(style.name, [...(await model.answer(inputs))]);
    }
    return answers;
  } finally {
    model.dispose();
  }
}

function histogram(digits: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const d of digits) counts.set(d, (counts.get(d) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([d, n]) => `${d}:${n}`).join(' ');
}

async function servingState(url: string): Promise<{ active: string; canary: { version: string; weight: number } | null }> {
  const { body } = await getJson(url, '/api/models');
  return body as unknown as { active: string; canary: { version: string; weight: number } | null };
}

/** Waits until the service answers with `version` (its poll of the serving state took effect). */
async function waitForAnswersFrom(url: string, version: string, png: Buffer, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await postDrawing(url, png)).modelVersion === version) return;
    await sleep(200);
  }
  throw new Error(`the service did not answer with ${version} within ${timeoutMs} ms`);
}

describe('learning from corrections: retrain, gates, canary, promote, reject, roll back', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let service: Service;
  let traffic: TrafficLoop;
  let committed: string;
  let candidate: string;
  let ordinary: Buffer[];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-lifecycle-'));
    // One thread for onnxruntime: the CLI's training and gates share the 2 cores with it.
    env = { DATA_DIR: dataDir, MODEL_POLL_MS: '500', MODEL_LIVE_REPORT_MS: '1000', INFERENCE_CPU_THREADS: '1' };
    committed = (await readModelCard(loadConfig({}).modelDir)).version;
    service = await startService(env);
    ordinary = (await Promise.all(ORDINARY_STYLES.map((style, i) => drawStyleSamples(style, 12, SEEDS.background + i)))).flat();
    traffic = startTraffic(service.url, ordinary);
  });

  afterAll(async () => {
    await traffic?.stop();
    await service?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds a class of drawings the committed model consistently misreads, while it reads most unusual styles well', async () => {
    const answers = await answersOfCommittedModel(UNUSUAL_STYLES, 40);
    const rows = UNUSUAL_STYLES.map((style) => {
      const digits = answers.get(style.name)!;
      const right = digits.filter((d) => d === style.label).length;
      return { style: style.name, label: style.label, right: `${right}/${digits.length}`, answers: histogram(digits) };
    });
    console.table(rows);
    const accuracy = (name: string): number => answers.get(name)!.filter((d) => d === styleNamed(name).label).length / answers.get(name)!.length;
    expect(accuracy(CLASS.name)).toBeLessThan(0.1);
    // Consistently: one wrong answer dominates (8).
    expect(answers.get(CLASS.name)!.filter((d) => d === 8).length / 40).toBeGreaterThan(0.9);
    expect(UNUSUAL_STYLES.filter((s) => accuracy(s.name) >= 0.8).length).toBeGreaterThanOrEqual(UNUSUAL_STYLES.length / 2);
  });

  it(`takes ${CORRECTED} drawings of the class and their corrections through the API`, async () => {
    const pngs = await drawStyleSamples(CLASS, CORRECTED, SEEDS.corrected);
    let wrong = 0;
    for (const png of pngs) {
      const answer = await postDrawing(service.url, png);
      expect(answer.status).toBe(201);
      expect(answer.modelVersion).toBe(committed);
      if (answer.digit !== CLASS.label) wrong += 1;
      expect(await correct(service.url, answer.id, CLASS.label)).toBe(200);
    }
    console.log(`committed model ${committed}: ${wrong}/${CORRECTED} of the posted drawings answered wrong, all corrected to ${CLASS.label}`);
    expect(wrong / CORRECTED).toBeGreaterThan(0.9);
  });

  let retrained: CliRun;
  it('retrains from the corrections: the held-out ones go from mostly wrong to mostly right, MNIST stays >= 99.3%', async () => {
    retrained = await runCli(['retrain', ...RETRAIN], env);
    expect(retrained.code, retrained.stderr).toBe(0);
    const r = retrained.result as { version: string; parent: string; mnistTestAccuracy: number; heldOutCorrectionAccuracy: number; parentHeldOutCorrectionAccuracy: number; heldOutCorrections: number; corrections: number; trainingSeconds: number };
    console.log(`retrain: ${JSON.stringify(r)} (${retrained.seconds.toFixed(0)} s in all)`);
    candidate = r.version;
    expect(r.parent).toBe(committed);
    expect(r.corrections + r.heldOutCorrections).toBe(CORRECTED);
    expect(r.heldOutCorrections).toBeGreaterThanOrEqual(20);
    expect(r.parentHeldOutCorrectionAccuracy).toBeLessThan(0.2);
    expect(r.heldOutCorrectionAccuracy).toBeGreaterThan(0.8);
    expect(r.mnistTestAccuracy).toBeGreaterThanOrEqual(0.993);
    const { body } = await getJson(service.url, `/api/models/${candidate}`);
    expect(body.card).toMatchObject({ version: candidate, parent: committed, data: { corrections: r.corrections, heldOutCorrections: r.heldOutCorrections } });
  });

  it('gates the candidate and promotes it through a canary; the service then answers the class right', async () => {
    const canary = await runCli(['canary', candidate, ...CANARY, '--duration', '12'], env);
    expect(canary.code, canary.stderr).toBe(0);
    console.log(`canary: ${JSON.stringify(canary.result)}`);
    expect(canary.result).toMatchObject({ version: candidate, decision: 'promoted', gate: { decision: 'gate-passed' } });
    const figures = (canary.result.canary ?? {}) as { canaryPredictions: number };
    expect(figures.canaryPredictions).toBeGreaterThan(10);
    expect(await servingState(service.url)).toMatchObject({ active: candidate, canary: null });

    const fresh = await drawStyleSamples(CLASS, 40, SEEDS.fresh);
    await waitForAnswersFrom(service.url, candidate, fresh[0]!);
    const answers = await Promise.all(fresh.map((png) => postDrawing(service.url, png)));
    const right = answers.filter((a) => a.modelVersion === candidate && a.digit === CLASS.label).length;
    console.log(`after promotion: ${right}/${fresh.length} fresh drawings of the class answered ${CLASS.label} by ${candidate}`);
    expect(right / fresh.length).toBeGreaterThan(0.8);
    const kinds = ((await getJson(service.url, `/api/models/${candidate}`)).body.decisions as { kind: string }[]).map((d) => d.kind);
    expect(kinds).toEqual(expect.arrayContaining(['published', 'gate-passed', 'canary-started', 'promoted']));
  });

  it('rejects a deliberately bad candidate (trained on shuffled labels) at the gates; nothing changes for users', async () => {
    const bad = await runCli(['retrain', '--shuffle-labels', '--seed', '3', '--epochs', '1', '--mnist-sample', '2000', '--learning-rate', '0.001'], env);
    expect(bad.code, bad.stderr).toBe(0);
    const version = String(bad.result.version);
    const gate = await runCli(['gate', version], env);
    expect(gate.code, gate.stderr).toBe(0);
    console.log(`bad candidate: ${JSON.stringify(gate.result)}`);
    expect(gate.result).toMatchObject({ version, decision: 'gate-rejected' });
    expect(String(gate.result.reason)).toMatch(/^MNIST accuracy \d+\.\d+% < /);
    expect(await servingState(service.url)).toMatchObject({ active: candidate, canary: null });
  });

  it('rolls back a candidate that passes the gates but that live users keep correcting', async () => {
    // Near-identical to the active version (a tiny learning rate), so the gates pass it...
    const twin = await runCli(['retrain', '--from', candidate, '--seed', '5', '--epochs', '1', '--mnist-sample', '256', '--learning-rate', '0.0000001'], env);
    expect(twin.code, twin.stderr).toBe(0);
    const version = String(twin.result.version);
    // ...and under its canary, users correct every answer it gives (they drew something else).
    const pngs = await drawStyleSamples(ORDINARY_STYLES[4]!, 60, SEEDS.liveUsers);
    let usersDone = false;
    let corrected = 0;
    const liveUsers = (async () => {
      while (!usersDone) {
        if ((await servingState(service.url)).canary?.version !== version) {
          await sleep(100);
          continue;
        }
        for (const png of pngs) {
          if (usersDone) break;
          const answer = await postDrawing(service.url, png);
          if (answer.modelVersion === version && (await correct(service.url, answer.id, (answer.digit + 1) % 10)) === 200) corrected += 1;
          await sleep(30);
        }
      }
    })();
    const startedAt = Date.now();
    const canary = await runCli(['canary', version, ...CANARY, '--duration', '120'], env);
    usersDone = true;
    await liveUsers;
    expect(canary.code, canary.stderr).toBe(0);
    console.log(`live-failing candidate: ${JSON.stringify(canary.result)} (${corrected} answers corrected)`);
    expect(canary.result).toMatchObject({ version, decision: 'rolled-back', gate: { decision: 'gate-passed' } });
    expect(String(canary.result.reason)).toMatch(/^corrected rate /);
    expect(Date.now() - startedAt).toBeLessThan(100_000);
    expect(await servingState(service.url)).toMatchObject({ active: candidate, canary: null });
    const kinds = ((await getJson(service.url, `/api/models/${version}`)).body.decisions as { kind: string }[]).map((d) => d.kind);
    expect(kinds[0]).toBe('rolled-back');
  });

  it('answered every request of the background traffic through promote, reject and rollback', async () => {
    const totals = await traffic.stop();
    console.log(`background traffic: ${JSON.stringify(totals)}`);
    expect(totals.failures).toEqual([]);
    expect(totals.requests).toBeGreaterThan(100);
    expect(totals.byVersion[committed]).toBeGreaterThan(0);
    expect(totals.byVersion[candidate]).toBeGreaterThan(0);
  });
});
