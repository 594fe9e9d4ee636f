import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../errors.js';
import { Spool } from './spool.js';
import { makePrediction } from '../../../test/cassandra/support/fixtures.js';

describe('the on-disk spool', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'spool-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every field of appended records across a reopen (a new process)', async () => {
    const spool = Spool.open(dir, 100);
    const records = [makePrediction(new Date(1_700_000_000_000)), makePrediction(new Date(1_700_000_000_001))];
    await Promise.all(records.map((r) => spool.append(r)));
    spool.close();
    const reopened = Spool.open(dir, 100);
    expect(reopened.size).toBe(2);
    expect(reopened.get(records[0]!.id)).toEqual(records[0]);
    expect(reopened.takeOldest(10).map((e) => e.record.id)).toEqual(records.map((r) => r.id));
    reopened.close();
  });

  it('commits appends made together in one transaction and counts them once', async () => {
    const spool = Spool.open(dir, 1000);
    const records = Array.from({ length: 300 }, (_, i) => makePrediction(new Date(1_700_000_000_000 + i)));
    await Promise.all(records.map((r) => spool.append(r)));
    await spool.append(records[0]!); // the same record twice is kept once
    expect(spool.size).toBe(300);
    spool.close();
  });

  it('rejects with UnavailableError once the bound is reached, and accepts again after delivery', async () => {
    const spool = Spool.open(dir, 3);
    const records = Array.from({ length: 3 }, (_, i) => makePrediction(new Date(1_700_000_000_000 + i)));
    await Promise.all(records.map((r) => spool.append(r)));
    await expect(spool.append(makePrediction())).rejects.toBeInstanceOf(UnavailableError);
    expect(spool.removeDelivered(spool.takeOldest(1))).toBe(1);
    await expect(spool.append(makePrediction())).resolves.toBeUndefined();
    spool.close();
  });

  it('does not remove an entry whose feedback changed while it was being delivered', async () => {
    const spool = Spool.open(dir, 10);
    const record = makePrediction();
    await spool.append(record);
    const sent = spool.takeOldest(10);
    const updated = spool.updateFeedback(record.id, 4, new Date(1_700_000_000_000));
    expect(updated?.feedbackLabel).toBe(4);
    expect(spool.removeDelivered(sent)).toBe(0);
    expect(spool.get(record.id)?.feedbackLabel).toBe(4);
    expect(spool.updateFeedback(makePrediction().id, 1, new Date())).toBeNull();
    spool.close();
  });

  it('lists newest first, before a given id', async () => {
    const spool = Spool.open(dir, 10);
    const records = Array.from({ length: 5 }, (_, i) => makePrediction(new Date(1_700_000_000_000 + i * 1000)));
    for (const r of records) await spool.append(r);
    expect(spool.listNewest(undefined, 2).map((r) => r.id)).toEqual([records[4]!.id, records[3]!.id]);
    expect(spool.listNewest(records[2]!.id, 10).map((r) => r.id)).toEqual([records[1]!.id, records[0]!.id]);
    spool.close();
  });
});
