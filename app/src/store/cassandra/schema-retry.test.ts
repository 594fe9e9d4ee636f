import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { isSchemaPropagationError, retryWhileSchemaPropagates } from './schema-retry.js';

const logger = pino({ level: 'silent' });
// As the driver reports them (ResponseError messages from Cassandra 5.0).
const UNKNOWN_CF = new Error('java.lang.IllegalArgumentException: Unknown CF 9c3f46c9-29d4-582d-b0ad-bf6927f94f14');
const UNCONFIGURED = new Error('unconfigured table schema_lock');
const NO_KEYSPACE = new Error("Keyspace 't_crash_1a2b3c' does not exist");
const SYNTAX = new Error("line 1:7 no viable alternative at input 'TABEL'");

/** A step that fails with the given errors, in order, then answers `done`. */
function failing(...errors: Error[]): { step: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    step: async () => {
      const error = errors[calls++];
      if (error) throw error;
      return 'done';
    },
    calls: () => calls,
  };
}

describe('isSchemaPropagationError', () => {
  it('recognises a table or keyspace the node does not know yet', () => {
    expect([UNKNOWN_CF, UNCONFIGURED, NO_KEYSPACE].map(isSchemaPropagationError)).toEqual([true, true, true]);
  });

  it('does not take other errors for propagation', () => {
    expect(isSchemaPropagationError(SYNTAX)).toBe(false);
    expect(isSchemaPropagationError(new Error('Cannot achieve consistency level QUORUM'))).toBe(false);
    expect(isSchemaPropagationError(new Error('Unknown CF'))).toBe(false);
  });
});

describe('retryWhileSchemaPropagates', () => {
  const soon = () => ({ deadline: Date.now() + 5_000, logger, firstDelayMs: 1 });

  it('retries a step until the schema has reached the node', async () => {
    const s = failing(UNKNOWN_CF, UNCONFIGURED);
    await expect(retryWhileSchemaPropagates('create', s.step, soon())).resolves.toBe('done');
    expect(s.calls()).toBe(3);
  });

  it('throws any other error at once', async () => {
    const s = failing(SYNTAX);
    await expect(retryWhileSchemaPropagates('create', s.step, soon())).rejects.toBe(SYNTAX);
    expect(s.calls()).toBe(1);
  });

  it('gives up with the last error at the deadline', async () => {
    const s = failing(...Array.from({ length: 100 }, () => UNKNOWN_CF));
    const options = { deadline: Date.now() + 40, logger, firstDelayMs: 10 };
    await expect(retryWhileSchemaPropagates('create', s.step, options)).rejects.toBe(UNKNOWN_CF);
    expect(s.calls()).toBeGreaterThan(1);
    expect(s.calls()).toBeLessThan(10);
  });
});
