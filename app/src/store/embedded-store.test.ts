import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidRequestError, UnavailableError } from '../errors.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { EMBEDDED_DB_FILE, openEmbeddedStore } from './embedded-store.js';
import { encodeCursor } from './embedded-schema.js';
import { newPredictionId } from './ids.js';
import type { PredictionRecord, PredictionStore } from './prediction-store.js';

const run = promisify(execFile);

function makeRecord(overrides: Partial<PredictionRecord> = {}): PredictionRecord {
  const createdAt = overrides.createdAt ?? new Date();
  const input = new Uint8Array(784);
  for (let i = 0; i < input.length; i += 1) input[i] = (i * 37) % 256;
  return {
    id: newPredictionId(createdAt),
    createdAt,
    digit: 7,
    confidence: 0.912345678901234,
    probabilities: [0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.912345678901234, 0.05, 0.008654321098766],
    modelVersion: '2026-01-01-cnn-e8',
    input,
    source: 'canvas',
    latencyMs: 12.34,
    feedbackLabel: null,
    feedbackAt: null,
    ...overrides,
  };
}

describe('embedded store', () => {
  let dataDir: string;
  let store: PredictionStore;

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-embedded-'));
    store = await openEmbeddedStore({ dataDir });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('round-trips every field of a record', async () => {
    const record = makeRecord({ source: 'upload' });
    await store.record(record);
    const read = await store.get(record.id);
    expect(read).toEqual(record);
    expect(read?.input).toBeInstanceOf(Uint8Array);
    expect(Array.from(read?.input ?? [])).toEqual(Array.from(record.input));
  });

  it('returns null for an id it never saw', async () => {
    expect(await store.get(newPredictionId())).toBeNull();
  });

  it('pages through history newest first with an opaque cursor and no overlap', async () => {
    const base = Date.now() - 60_000;
    const written: PredictionRecord[] = [];
    for (let i = 0; i < 7; i += 1) written.push(makeRecord({ createdAt: new Date(base + i * 1000), digit: i }));
    // Write out of order: the order must come from the ids, not from insertion.
    await Promise.all([...written].reverse().map((r) => store.record(r)));

    const seen: string[] = [];
    let cursor: string | undefined;
    const pageSizes: number[] = [];
    do {
      const page = await store.list({ limit: 3, cursor });
      pageSizes.push(page.items.length);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);

    expect(pageSizes).toEqual([3, 3, 1]);
    expect(seen).toEqual(written.map((r) => r.id).reverse());
  });

  it('gives a null cursor when the last page is exactly full', async () => {
    await store.record(makeRecord());
    await store.record(makeRecord());
    const page = await store.list({ limit: 2 });
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).toBeNull();
  });

  it('stores feedback and returns the updated record', async () => {
    const record = makeRecord();
    await store.record(record);
    const at = new Date('2026-02-03T04:05:06.789Z');
    const updated = await store.setFeedback(record.id, 1, at);
    expect(updated).toEqual({ ...record, feedbackLabel: 1, feedbackAt: at });
    expect(await store.get(record.id)).toEqual(updated);
    const page = await store.list({ limit: 10 });
    expect(page.items[0]?.feedbackLabel).toBe(1);
  });

  it('returns null when feedback names an unknown id', async () => {
    expect(await store.setFeedback(newPredictionId(), 3, new Date())).toBeNull();
  });

  it('keeps every record after close and reopen', async () => {
    const records = [makeRecord({ digit: 1 }), makeRecord({ digit: 2 }), makeRecord({ digit: 3 })];
    await Promise.all(records.map((r) => store.record(r)));
    await store.setFeedback(records[0]!.id, 9, new Date());
    await store.close();

    store = await openEmbeddedStore({ dataDir });
    const page = await store.list({ limit: 10 });
    expect(page.items.map((r) => r.digit)).toEqual([3, 2, 1]);
    expect(page.items[2]?.feedbackLabel).toBe(9);
  });

  it('rejects cursors it did not issue with InvalidRequestError', async () => {
    const bad = ['not a cursor', 'abc', Buffer.from('e1:not-a-uuid').toString('base64url'), 'x'.repeat(500), Buffer.from(`v9:${newPredictionId()}`).toString('base64url'), `${encodeCursor(newPredictionId())}!`];
    for (const cursor of bad) {
      await expect(store.list({ limit: 5, cursor }), cursor).rejects.toBeInstanceOf(InvalidRequestError);
    }
  });

  it('rejects a limit outside 1..1000', async () => {
    await expect(store.list({ limit: 0 })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(store.list({ limit: 1.5 })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(store.list({ limit: 1001 })).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('groups concurrent writes and keeps each one', async () => {
    const records = Array.from({ length: 200 }, (_, i) => makeRecord({ digit: i % 10 }));
    await Promise.all(records.map((r) => store.record(r)));
    const page = await store.list({ limit: 1000 });
    expect(page.items).toHaveLength(200);
  });

  it('fails only the duplicate when one write in a group collides', async () => {
    const first = makeRecord();
    await store.record(first);
    const fresh = makeRecord();
    const results = await Promise.allSettled([store.record({ ...first, digit: 0 }), store.record(fresh)]);
    expect(results[0]?.status).toBe('rejected');
    expect(results[1]?.status).toBe('fulfilled');
    expect((await store.get(first.id))?.digit).toBe(first.digit);
  });

  it('opens with synchronous=FULL when asked and still round-trips', async () => {
    await store.close();
    store = await openEmbeddedStore({ dataDir, synchronous: 'FULL' });
    const record = makeRecord();
    await store.record(record);
    expect(await store.get(record.id)).toEqual(record);
    expect((await store.health()).detail).toContain('synchronous=FULL');
  });

  it('reports healthy while open, and refuses writes with UnavailableError once closed', async () => {
    expect(await store.health()).toMatchObject({ ok: true, backlog: 0 });
    expect((await store.health()).detail).toContain('WAL, synchronous=NORMAL');
    await store.close();
    expect((await store.health()).ok).toBe(false);
    await expect(store.record(makeRecord())).rejects.toBeInstanceOf(UnavailableError);
    store = await openEmbeddedStore({ dataDir });
  });

  it('lists corrections oldest first, with the latest label of a prediction corrected twice', async () => {
    const first = makeRecord({ createdAt: new Date(Date.now() - 2000) });
    const second = makeRecord({ createdAt: new Date(Date.now() - 1000), digit: 1 });
    const untouched = makeRecord();
    for (const r of [second, untouched, first]) await store.record(r);
    await store.setFeedback(second.id, 7, new Date());
    await store.setFeedback(first.id, 2, new Date());
    await store.setFeedback(first.id, 3, new Date());
    const corrections = await store.corrections();
    expect(corrections.map((c) => [c.id, c.digit, c.label])).toEqual([
      [first.id, 7, 3],
      [second.id, 1, 7],
    ]);
    expect(corrections[0]).toMatchObject({ createdAt: first.createdAt, modelVersion: first.modelVersion });
    expect(Array.from(corrections[0]!.input)).toEqual(Array.from(first.input));
  });

  it('folds the WAL into the database from its own thread, not in a commit of this one', async () => {
    await store.close();
    store = await openEmbeddedStore({ dataDir, checkpointIntervalMs: 50 });
    const file = path.join(dataDir, EMBEDDED_DB_FILE);
    const before = statSync(file).size;
    await Promise.all(Array.from({ length: 300 }, () => store.record(makeRecord())));
    // ~300 KB of commits: far below SQLite's own auto-checkpoint (1000 pages), so only the
    // checkpointer thread can have copied them from the WAL into the database file.
    const deadline = Date.now() + 10_000;
    while (statSync(file).size < before + 300 * 784 && Date.now() < deadline) await sleep(20);
    expect(statSync(file).size).toBeGreaterThan(before + 300 * 784);
    expect((await store.health()).detail).not.toMatch(/checkpoint failed/);
  });

  it('keeps a record whose write resolved even when the process is killed right after', async () => {
    // A child process records one prediction, prints its id once record() resolves, and is
    // SIGKILLed by itself: no close(), no checkpoint. The record must still be there.
    const child = `
      import { openEmbeddedStore } from ${JSON.stringify(path.resolve('app/src/store/embedded-store.ts'))};
      import { newPredictionId } from ${JSON.stringify(path.resolve('app/src/store/ids.ts'))};
      const store = await openEmbeddedStore({ dataDir: process.argv[1] });
      const id = newPredictionId();
      await store.record({ id, createdAt: new Date(), digit: 4, confidence: 0.9, probabilities: Array(10).fill(0.1),
        modelVersion: 'm', input: new Uint8Array(784), source: 'api', latencyMs: 1, feedbackLabel: null, feedbackAt: null });
      process.stdout.write(id);
      process.kill(process.pid, 'SIGKILL');
    `;
    await store.close();
    const result = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child, dataDir]).catch(
      (error: { stdout?: string; signal?: string }) => error,
    );
    expect(result).toMatchObject({ signal: 'SIGKILL' });
    const id = (result as { stdout: string }).stdout;
    store = await openEmbeddedStore({ dataDir });
    expect((await store.get(id))?.digit).toBe(4);
  });
});
