import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { readModelCard } from '../../src/model/model-card.js';
import type { ShadowReport } from '../../src/replay/shadow.js';
import { drawStyleSamples, ORDINARY_STYLES } from '../fixtures/unusual-digits.js';
import { correct, getJson, postDrawing } from './support/client.js';
import { runCli, startService, type Service } from './support/service.js';
import { publishVariant } from './support/variants.js';

/**
 * The canary gate's shadow replay (issue 13), on the real service (`mnist serve` as a process,
 * embedded store) and the real CLI: users' drawings recorded, some corrected; two candidates
 * published beside the active one (a twin with identical weights, and one whose output classes
 * are rotated by one); predictions pinned to a version with X-Model-Version; `mnist replay
 * --source recorded --shadow VERSION` comparing each with the active through the API; and
 * `mnist gate --service-url` judging on those figures and recording how they were measured.
 */

/** Drawings posted as users: every ordinary style, a few seeds each. */
const PER_STYLE = 4;
/** Of those, the ones their users corrected (labelled with the true digit): one in seven. */
const CORRECTED_AT = new Set([0, 7, 14, 21, 28, 35]);
const CORRECTED = CORRECTED_AT.size;

interface Pinned {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function postPinned(url: string, png: Buffer, version: string): Promise<Pinned> {
  const response = await fetch(`${url}/api/predictions`, { method: 'POST', headers: { 'Content-Type': 'image/png', 'X-Model-Version': version }, body: new Uint8Array(png) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('shadow replay: a candidate judged through the service beside the active version', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let service: Service;
  let committed: string;
  let twin: string;
  let rotated: string;
  let drawings: Buffer[];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-shadow-'));
    env = { DATA_DIR: dataDir, MODEL_POLL_MS: '500', INFERENCE_CPU_THREADS: '1' };
    committed = (await readModelCard(loadConfig({}).modelDir)).version;
    twin = `${committed}-twin`;
    rotated = `${committed}-rotated`;
    service = await startService(env);
    await publishVariant(dataDir, twin, 'twin');
    await publishVariant(dataDir, rotated, 'rotated-output');
    drawings = (await Promise.all(ORDINARY_STYLES.map((style, i) => drawStyleSamples(style, PER_STYLE, 900 + i)))).flat();
  });

  afterAll(async () => {
    await service?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('records users\' drawings, some of them corrected', async () => {
    for (const [i, png] of drawings.entries()) {
      const answer = await postDrawing(service.url, png);
      expect(answer).toMatchObject({ status: 201, modelVersion: committed });
      if (CORRECTED_AT.has(i)) expect(await correct(service.url, answer.id, ORDINARY_STYLES[Math.floor(i / PER_STYLE)]!.label)).toBe(200);
    }
  });

  it('answers with a registered version named by X-Model-Version, and records that version', async () => {
    const answer = await postPinned(service.url, drawings[0]!, rotated);
    expect(answer.status).toBe(201);
    expect(answer.body.modelVersion).toBe(rotated);
    const stored = await getJson(service.url, `/api/predictions/${String(answer.body.id)}`);
    expect(stored.body.modelVersion).toBe(rotated);
    // The routing is untouched: an unpinned request still goes to the active version.
    expect((await postDrawing(service.url, drawings[0]!)).modelVersion).toBe(committed);
  });

  it('refuses an unknown or malformed version with a 400 that says so', async () => {
    const unknown = await postPinned(service.url, drawings[0]!, 'no-such-version');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({ error: { code: 'unknown_model_version', message: 'no model version no-such-version in the registry' } });
    const malformed = await postPinned(service.url, drawings[0]!, '../../etc/passwd');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ code: 'unknown_model_version', message: expect.stringContaining('is not a model version name') });
  });

  async function shadowReplay(candidate: string): Promise<ShadowReport> {
    const run = await runCli(['replay', '--url', service.url, '--source', 'recorded', '--shadow', candidate, '--concurrency', '2', '--quiet', '--no-verify'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('  shadow       agreement candidate vs active');
    const report = run.result as { shadow?: ShadowReport; source: string; requests: number; modelVersions: Record<string, number> };
    expect(report.source).toBe('recorded');
    // The report's own fields describe the candidate's answers.
    expect(report.modelVersions).toEqual({ [candidate]: report.requests });
    return report.shadow!;
  }

  it('finds an identical-weights twin in full agreement with the active, right on the same corrections', async () => {
    const shadow = await shadowReplay(twin);
    console.log(`shadow ${twin}: ${JSON.stringify({ ...shadow, candidate: { ...shadow.candidate }, active: { ...shadow.active } })}`);
    // Every user's drawing (not the replays' own, nor the pinned ones' of replays): all recorded ones.
    expect(shadow.pairs).toBeGreaterThanOrEqual(drawings.length);
    expect(shadow).toMatchObject({ agreement: 1, uncorrected: { agreement: 1 } });
    expect(shadow.candidate).toMatchObject({ version: twin, errors: 0, labelled: CORRECTED });
    expect(shadow.active).toMatchObject({ version: committed, errors: 0, labelled: CORRECTED });
    expect(shadow.candidate.correct).toBe(shadow.active.correct);
    expect(shadow.candidate.latencyMs.p99).toBeGreaterThan(0);
  });

  it('finds the rotated-output candidate disagreeing with the active almost everywhere', async () => {
    const shadow = await shadowReplay(rotated);
    expect(shadow.candidate.errors).toBe(0);
    expect(shadow.agreement!).toBeLessThan(0.2);
    expect(shadow.candidate.accuracy!).toBeLessThan(shadow.active.accuracy!);
  });

  it('rejects the rotated candidate at the gates, on agreement measured through the service, and records how', async () => {
    const gate = await runCli(['gate', rotated, '--service-url', service.url], env);
    expect(gate.code, gate.stderr).toBe(0);
    const result = gate.result as { decision: string; reason: string; figures: Record<string, unknown> };
    console.log(`gate ${rotated}: ${JSON.stringify(result)}`);
    expect(result.decision).toBe('gate-rejected');
    expect(result.reason).toContain(`recorded inputs through the service at ${service.url}`);
    expect(result.figures).toMatchObject({ agreementMeasuredBy: 'service', p99MeasuredBy: 'service', mnistMeasuredBy: 'in-process', serviceUrl: service.url, candidateFailures: 0, activeFailures: 0 });
    expect(result.figures.agreement as number).toBeLessThan(0.2);
    const { body } = await getJson(service.url, `/api/models/${rotated}`);
    const decisions = body.decisions as { kind: string; figures: Record<string, unknown> }[];
    expect(decisions[0]).toMatchObject({ kind: 'gate-rejected', figures: { agreementMeasuredBy: 'service', serviceUrl: service.url } });
  });
});
