import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../errors.js';
import type { Correction, PredictionRecord } from '../prediction-store.js';
import { makePrediction } from '../../../test/cassandra/support/fixtures.js';
import { CassandraStore, type PredictionRows } from './cassandra-store.js';
import { Spool } from './spool.js';

/**
 * The store's logic above Cassandra (spool fallback, bounds, reads that see the spool, drain)
 * with an in-memory stand-in for the table. Against the real cluster: app/test/cassandra/.
 */
class FakeRows implements PredictionRows {
  readonly rows = new Map<string, PredictionRecord>();
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  attempts = 0;

  private async gate(): Promise<void> {
    this.attempts += 1;
    if (this.mode === 'fail') throw new Error('NoHostAvailableError: all hosts down');
    if (this.mode === 'hang') await new Promise(() => {});
  }
  /** Sizes of the groups written with writeMany. */
  readonly groups: number[] = [];

  async write(record: PredictionRecord): Promise<void> {
    await this.gate();
    this.rows.set(record.id, record);
  }
  async writeMany(records: readonly PredictionRecord[]): Promise<void> {
    await this.gate();
    this.groups.push(records.length);
    for (const record of records) this.rows.set(record.id, record);
  }
  async read(id: string): Promise<PredictionRecord | null> {
    await this.gate();
    return this.rows.get(id) ?? null;
  }
  async setFeedback(corrected: PredictionRecord): Promise<void> {
    await this.gate();
    if (this.rows.has(corrected.id)) this.rows.set(corrected.id, corrected);
  }
  async readCorrections(): Promise<Correction[]> {
    await this.gate();
    return [...this.rows.values()]
      .filter((r) => r.feedbackLabel !== null)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((r) => ({ id: r.id, createdAt: r.createdAt, input: r.input, digit: r.digit, label: r.feedbackLabel!, modelVersion: r.modelVersion }));
  }
  async readHistory(beforeId: string | undefined, want: number): Promise<PredictionRecord[]> {
    return [...this.rows.values()].filter((r) => beforeId === undefined || r.id < beforeId).sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, want);
  }
}

describe('the Cassandra store above the driver', () => {
  let dir: string;
  let rows: FakeRows;
  let store: CassandraStore;

  function openStore(maxRecords = 100, readyThreshold = 50): CassandraStore {
    const spool = Spool.open(dir, maxRecords);
    return new CassandraStore({
      client: { hosts: { values: () => [{ isUp: () => rows.mode === 'ok' }] }, shutdown: async () => {} },
      table: rows,
      history: { read: (before, want) => rows.readHistory(before, want) },
      spool,
      logger: pino({ level: 'silent' }),
      writeTimeoutMs: 50,
      readyThreshold,
      drainTimeoutMs: 2_000,
    });
  }

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cassandra-store-test-'));
    rows = new FakeRows();
  });
  afterEach(async () => {
    rows.mode = 'ok';
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes straight to Cassandra when it takes writes', async () => {
    store = openStore();
    const record = makePrediction();
    await store.record(record);
    expect(rows.rows.get(record.id)).toEqual(record);
    expect(store.getStats()).toMatchObject({ spoolDepth: 0, writesTotal: { cassandra: 1, spooled: 0, rejected: 0 } });
  });

  it('writes the records of one event-loop turn as one group, and each caller hears of its own', async () => {
    store = openStore();
    const records = Array.from({ length: 5 }, (_, i) => makePrediction(new Date(Date.now() + i)));
    await Promise.all(records.map((r) => store.record(r)));
    expect(rows.groups).toEqual([5]);
    expect([...rows.rows.keys()].sort()).toEqual(records.map((r) => r.id).sort());
    expect(store.getStats().writesTotal).toEqual({ cassandra: 5, spooled: 0, rejected: 0 });
  });

  it('spools every record of a group whose write failed, and answers each caller 201 from the spool', async () => {
    store = openStore();
    rows.mode = 'fail';
    const records = Array.from({ length: 3 }, (_, i) => makePrediction(new Date(Date.now() + i)));
    await Promise.all(records.map((r) => store.record(r)));
    expect(store.getStats().writesTotal).toEqual({ cassandra: 0, spooled: 3, rejected: 0 });
    for (const record of records) expect(await store.get(record.id)).toEqual(record);
  });

  it('keeps a record accepted just before close: its group is written before the store closes', async () => {
    store = openStore();
    const record = makePrediction();
    const recorded = store.record(record);
    await store.close();
    await recorded;
    expect(rows.rows.get(record.id)).toEqual(record);
  });

  it('answers within the write timeout when Cassandra hangs, keeping the record in the spool', async () => {
    store = openStore();
    rows.mode = 'hang';
    const record = makePrediction();
    // The hung write never settles: record() resolving at all is the write timeout answering
    // (no bound on how fast: the spool's fsync is the disk's business, and speed is benched).
    await store.record(record);
    expect(store.getStats().writesTotal.spooled).toBe(1);
    expect(await store.get(record.id)).toEqual(record);
  });

  it('spools during an outage, shows spooled records in history, and delivers them when Cassandra is back', async () => {
    store = openStore();
    rows.mode = 'fail';
    const records = Array.from({ length: 10 }, (_, i) => makePrediction(new Date(Date.now() + i)));
    for (const r of records) await store.record(r);
    expect((await store.health()).backlog).toBe(10);
    const page = await store.list({ limit: 4 });
    expect(page.items.map((r) => r.id)).toEqual(records.slice(-4).reverse().map((r) => r.id));
    const second = await store.list({ limit: 100, cursor: page.nextCursor! });
    expect(second.items).toHaveLength(6);
    expect(second.nextCursor).toBeNull();

    rows.mode = 'ok';
    await expect.poll(() => rows.rows.size, { timeout: 10_000 }).toBe(10);
    await expect.poll(() => store.getStats().spoolDepth, { timeout: 5_000 }).toBe(0);
    expect(store.getStats().deliveryRetriesTotal).toBeGreaterThan(0);
  });

  it('turns unready past the threshold and answers UnavailableError past the bound, never dropping silently', async () => {
    store = openStore(5, 3);
    rows.mode = 'fail';
    for (let i = 0; i < 4; i += 1) await store.record(makePrediction(new Date(Date.now() + i)));
    expect(await store.health()).toMatchObject({ ok: false, backlog: 4 });
    await store.record(makePrediction(new Date(Date.now() + 10)));
    await expect(store.record(makePrediction(new Date(Date.now() + 11)))).rejects.toBeInstanceOf(UnavailableError);
    expect(store.getStats().writesTotal).toEqual({ cassandra: 0, spooled: 5, rejected: 1 });
  });

  it('stores feedback on a record still in the spool and delivers it with the feedback', async () => {
    store = openStore();
    rows.mode = 'fail';
    const record = makePrediction();
    await store.record(record);
    const at = new Date(1_800_000_000_000);
    expect(await store.setFeedback(record.id, 7, at)).toMatchObject({ id: record.id, feedbackLabel: 7, feedbackAt: at });
    rows.mode = 'ok';
    await expect.poll(() => rows.rows.get(record.id)?.feedbackLabel, { timeout: 10_000 }).toBe(7);
  });

  it('lists a correction stored through Cassandra, and answers 503 when the corrections cannot be read', async () => {
    store = openStore();
    const record = makePrediction();
    await store.record(record);
    await store.setFeedback(record.id, 4, new Date(1_800_000_000_000));
    expect((await store.corrections()).map((c) => [c.id, c.label])).toEqual([[record.id, 4]]);
    rows.mode = 'fail';
    await expect(store.corrections()).rejects.toBeInstanceOf(UnavailableError);
  });

  it('returns null for feedback on an unknown id without writing a row', async () => {
    store = openStore();
    expect(await store.setFeedback(makePrediction().id, 3, new Date())).toBeNull();
    expect(rows.rows.size).toBe(0);
  });

  it('delivers what a crashed process left in the spool when the next one opens it', async () => {
    const leftover = makePrediction();
    const spool = Spool.open(dir, 10);
    await spool.append(leftover);
    spool.close(); // the "crashed" process never delivered it
    store = openStore();
    await expect.poll(() => rows.rows.has(leftover.id), { timeout: 10_000 }).toBe(true);
  });

  it('drains the spool on close when Cassandra is back', async () => {
    store = openStore();
    rows.mode = 'fail';
    const records = Array.from({ length: 20 }, (_, i) => makePrediction(new Date(Date.now() + i)));
    for (const r of records) await store.record(r);
    rows.mode = 'ok';
    await store.close();
    expect(rows.rows.size).toBe(20);
    await expect(store.record(makePrediction())).rejects.toBeInstanceOf(UnavailableError);
  });
});
