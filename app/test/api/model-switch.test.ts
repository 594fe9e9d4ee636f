import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startService, type RunningService } from '../../src/main.js';
import { readModelCard } from '../../src/model/model-card.js';
import { cardOfTrainedModel, readModelFiles } from '../../src/models/seed-registry.js';
import { drawDigitPng } from '../fixtures/draw-digit.js';

/**
 * The hot switch end to end: the real service (startService: embedded registry seeded with the
 * committed model, the real model in its worker thread), a second version published (the
 * committed model's files under another version name), made active while clients keep
 * predicting. Every request succeeds, answers come from the new version within a few polls,
 * each prediction records the version that answered, and /api/models shows both versions.
 */
const POLL_MS = 200;
const CLIENTS = 4;
/** "Within seconds": a few polls, the fetch from the registry and loading the model's worker, on a busy 2-core host. */
const SWITCH_WITHIN_MS = 15_000;

interface Answer {
  readonly status: number;
  readonly modelVersion?: string;
  readonly id?: string;
  readonly atMs: number;
}

describe('switching the served model version under traffic', () => {
  let dataDir: string;
  let service: RunningService;
  let committed: string;
  let copy: string;
  let png: Buffer;

  const predict = async (): Promise<Answer> => {
    const res = await fetch(`${service.url}/api/predictions?source=upload`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: new Uint8Array(png) });
    const body = (await res.json()) as { modelVersion?: string; id?: string };
    return { status: res.status, modelVersion: body.modelVersion, id: body.id, atMs: Date.now() };
  };
  const getJson = (url: string): request.Test => request(service.url).get(url);
  /** Clients predicting back to back until `until` resolves; every answer, in order. */
  const load = async (until: Promise<unknown>): Promise<Answer[]> => {
    const answers: Answer[] = [];
    let done = false;
    void until.finally(() => {
      done = true;
    });
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (!done) answers.push(await predict());
    }));
    return answers;
  };
  const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await sleep(50);
    }
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-switch-'));
    const config = loadConfig({
      ...process.env, DATA_DIR: dataDir, CASSANDRA_CONTACT_POINTS: '', HOST: '127.0.0.1', PORT: '0',
      MODEL_POLL_MS: String(POLL_MS), MODEL_LIVE_REPORT_MS: '300', REPLICA_NAME: 'switch-test',
    });
    service = await startService(config, { logger: createLogger({ level: 'silent' }) });
    committed = (await readModelCard(config.modelDir)).version;
    png = await drawDigitPng(7);

    // A second version: the committed model's files, under another name in its card.
    const copyDir = path.join(dataDir, 'copy');
    cpSync(config.modelDir, copyDir, { recursive: true });
    copy = `${committed}-copy`;
    const card = JSON.parse(readFileSync(path.join(copyDir, 'model-card.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(copyDir, 'model-card.json'), `${JSON.stringify({ ...card, version: copy }, null, 2)}\n`);
    const files = await readModelFiles(copyDir);
    expect(await service.registry.publish(cardOfTrainedModel(await readModelCard(copyDir), files), files)).toBe(true);
  });
  afterAll(async () => {
    await service?.shutdown('test finished');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers with the committed model, seeded as the active version of an empty registry', async () => {
    const answer = await predict();
    expect(answer).toMatchObject({ status: 201, modelVersion: committed });
    expect((await getJson('/readyz')).body.serving).toMatchObject({ active: committed, canary: null, revision: 1, pending: null });
  });

  it('switches every new request to the new active version with no failed request meanwhile', async () => {
    const switched = (async () => {
      await sleep(300);
      const state = await service.registry.serving();
      expect(await service.registry.setServing({ active: copy, canary: null, reason: 'test: switch' }, state!.revision)).toBe(true);
      const setAtMs = Date.now();
      // Until the new version has answered for a while: in-flight requests finish on the old one.
      await waitFor('answers from the new version', async () => service.serving.status().active === copy);
      await sleep(500);
      return setAtMs;
    })();
    const answers = await load(switched);
    const setAtMs = await switched;

    expect(answers.filter((a) => a.status !== 201)).toEqual([]);
    const firstNew = answers.findIndex((a) => a.modelVersion === copy);
    expect(firstNew).toBeGreaterThan(0);
    expect(answers[firstNew]!.atMs - setAtMs).toBeLessThan(SWITCH_WITHIN_MS);
    expect(answers.slice(0, firstNew).every((a) => a.modelVersion === committed)).toBe(true);
    // Past the requests in flight at the switch, only the new version answers.
    expect(answers.slice(firstNew + CLIENTS).every((a) => a.modelVersion === copy)).toBe(true);

    const stored = await getJson(`/api/predictions/${answers.at(-1)!.id}`);
    expect(stored.body.modelVersion).toBe(copy);
    expect((await getJson('/readyz')).body.serving).toMatchObject({ active: copy, revision: 2, pending: null });
  });

  it('sends a canary its share, and /api/models shows both versions with their roles and live stats', async () => {
    const state = await service.registry.serving();
    expect(await service.registry.setServing({ active: copy, canary: { version: committed, weight: 0.5 }, reason: 'test: canary' }, state!.revision)).toBe(true);
    await waitFor('the canary applied', async () => service.serving.status().canary?.version === committed);

    const answers = await load(sleep(1_500));
    expect(answers.filter((a) => a.status !== 201)).toEqual([]);
    const canaryShare = answers.filter((a) => a.modelVersion === committed).length / answers.length;
    expect(canaryShare).toBeGreaterThan(0.2);
    expect(canaryShare).toBeLessThan(0.8);

    const models = await getJson('/api/models');
    expect(models.status).toBe(200);
    expect(models.body).toMatchObject({ active: copy, canary: { version: committed, weight: 0.5 }, revision: 3 });
    expect(models.body.versions.map((v: { version: string }) => v.version).sort()).toEqual([committed, copy].sort());

    await waitFor('live stats of the canary', async () => (await getJson(`/api/models/${committed}`)).body.live.length > 0, 10_000);
    const detail = await getJson(`/api/models/${committed}`);
    expect(detail.body).toMatchObject({ card: { version: committed }, serving: 'canary' });
    expect(detail.body.decisions.map((d: { kind: string }) => d.kind)).toContain('activated');
    expect(detail.body.live[0]).toMatchObject({ replica: 'switch-test', version: committed, failures: 0 });
    expect((await getJson(`/api/models/${copy}`)).body.serving).toBe('active');
    expect((await getJson('/api/models/no-such-version')).status).toBe(404);

    const metrics = (await getJson('/metrics')).text;
    expect(metrics).toContain(`predictions_by_model_total{model_version="${copy}"}`);
    expect(metrics).toContain(`model_serving_share{model_version="${committed}",role="canary"} 0.5`);
  });
});
