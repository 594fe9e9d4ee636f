import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../errors.js';
import { LOCALITY_RUN, newPredictionId } from '../ids.js';
import { decodeCursor, encodeCursor, hourOf, keyOfId } from './layout.js';
import { SHARD_COUNT, renderStatement, tableId } from './schema.js';

describe('Cassandra row layout', () => {
  it('derives the partition of a prediction from its id alone, so a lookup by id needs no index', () => {
    const at = new Date('2026-11-25T10:59:59.999Z');
    const id = newPredictionId(at);
    expect(keyOfId(id)).toEqual(keyOfId(id));
    expect(keyOfId(id).hour.toISOString()).toBe('2026-11-25T10:00:00.000Z');
    expect(hourOf(new Date('2026-11-25T11:00:00.000Z')).toISOString()).toBe('2026-11-25T11:00:00.000Z');
  });

  it('spreads the ids of one hour evenly over every shard', () => {
    const counts = new Array<number>(SHARD_COUNT).fill(0);
    const at = new Date('2026-11-25T10:00:00Z');
    for (let i = 0; i < 8000; i += 1) counts[keyOfId(newPredictionId(at)).shard]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });

  it('keeps ids issued one after another in one shard, LOCALITY_RUN at a time (one mutation per group commit)', () => {
    const shards = Array.from({ length: LOCALITY_RUN * 4 }, () => keyOfId(newPredictionId()).shard);
    const changes = shards.filter((shard, i) => i > 0 && shard !== shards[i - 1]).length;
    // Four runs of 16 from a random point of the round robin: 4 or 5 runs, so 3 or 4 changes.
    expect(changes).toBeGreaterThanOrEqual(3);
    expect(changes).toBeLessThanOrEqual(4);
    for (let i = 1; i < shards.length; i += 1) {
      if (shards[i] !== shards[i - 1]) expect(shards[i]).toBe((shards[i - 1]! + 1) % SHARD_COUNT);
    }
  });

  it('refuses an id that is not a UUIDv7 with a 400-type error', () => {
    expect(() => keyOfId('not-an-id')).toThrow(InvalidRequestError);
    expect(() => keyOfId('6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toThrow(InvalidRequestError);
  });

  it('round-trips cursors and rejects ones it did not issue', () => {
    const id = newPredictionId();
    expect(decodeCursor(encodeCursor(id))).toBe(id);
    expect(() => decodeCursor('')).toThrow(InvalidRequestError);
    expect(() => decodeCursor(Buffer.from(id).toString('base64url'))).toThrow(InvalidRequestError);
    expect(() => decodeCursor('a/b')).toThrow(InvalidRequestError);
  });
});

describe('schema statements', () => {
  it('gives each table the same id on every run, different per keyspace', () => {
    expect(tableId('mnist', 'predictions')).toBe(tableId('mnist', 'predictions'));
    expect(tableId('mnist', 'predictions')).not.toBe(tableId('other', 'predictions'));
    expect(tableId('mnist', 'predictions')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('fills keyspace and table id into a CREATE TABLE', () => {
    const cql = renderStatement('CREATE TABLE IF NOT EXISTS {ks}.predictions (a int PRIMARY KEY) WITH ID = {id}', 'mnist');
    expect(cql).toBe(`CREATE TABLE IF NOT EXISTS mnist.predictions (a int PRIMARY KEY) WITH ID = ${tableId('mnist', 'predictions')}`);
  });
});
