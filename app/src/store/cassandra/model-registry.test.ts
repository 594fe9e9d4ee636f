import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { makeVersion } from '../../../test/fixtures/model-versions.js';
import type { CassandraClient } from './connect.js';
import { CassandraModelRegistry } from './model-registry.js';

/**
 * What the registry does when a lightweight transaction times out, which the real cluster
 * does only under contention or a dying replica: a stand-in client that times out the LWT
 * on command and answers the SERIAL read that follows. The normal paths run against the real
 * cluster in app/test/cassandra/model-registry.test.ts.
 */
type ServingRow = Record<string, unknown>;

function row(values: Record<string, unknown>): { get(name: string): unknown } {
  return { get: (name: string) => values[name] ?? null };
}

function result(rows: ReturnType<typeof row>[], applied = true): unknown {
  return { rows, rowLength: rows.length, pageState: null, first: () => rows[0] ?? null, wasApplied: () => applied };
}

class TimingOutClient {
  serving: ServingRow | null = { active: 'a', canary_version: null, canary_weight: null, revision: cassandra.types.Long.fromNumber(4), updated_at: new Date(), reason: 'r' };
  /** What each LWT attempt does: time out after applying, time out without applying, apply, or fail otherwise. */
  plan: ('applies-then-times-out' | 'times-out' | 'applies' | 'other-writer-then-times-out' | 'same-change-by-other-writer-then-times-out' | 'fails')[] = [];
  lwtAttempts = 0;
  serialReads = 0;
  private readonly card = JSON.stringify(makeVersion('a', { onnxBytes: 1 }).card);

  async execute(query: string, params: unknown[], options: { consistency?: number }): Promise<unknown> {
    if (query.includes('FROM ks.model_versions')) return result([row({ card: this.card })]);
    if (query.startsWith('SELECT * FROM ks.model_serving')) {
      if (options.consistency === cassandra.types.consistencies.serial) this.serialReads += 1;
      return result(this.serving === null ? [] : [row(this.serving)]);
    }
    if (query.includes('ks.model_serving') && query.includes(' IF ')) {
      this.lwtAttempts += 1;
      const step = this.plan.shift() ?? 'applies';
      const [active, canaryVersion, canaryWeight, revision, updatedAt, reason] = params;
      const apply = (): void => {
        this.serving = { active, canary_version: canaryVersion, canary_weight: canaryWeight, revision, updated_at: updatedAt, reason };
      };
      if (step === 'fails') throw new cassandra.errors.ResponseError(cassandra.types.responseErrorCodes.unavailableException, 'not enough replicas');
      if (step === 'applies') {
        apply();
        return result([], true);
      }
      if (step === 'applies-then-times-out') apply();
      if (step === 'same-change-by-other-writer-then-times-out') {
        this.serving = { active, canary_version: canaryVersion, canary_weight: canaryWeight, revision, updated_at: new Date((updatedAt as Date).getTime() - 3), reason };
      }
      if (step === 'other-writer-then-times-out') this.serving = { ...this.serving, active: 'b', revision: cassandra.types.Long.fromNumber(5), reason: 'someone else' };
      throw new cassandra.errors.ResponseError(cassandra.types.responseErrorCodes.writeTimeout, 'CAS operation timed out');
    }
    throw new Error(`unexpected query: ${query}`);
  }
}

function registryOn(client: TimingOutClient): CassandraModelRegistry {
  return new CassandraModelRegistry(client as unknown as CassandraClient, 'ks');
}

const next = { active: 'a', canary: { version: 'a2', weight: 0.1 }, reason: 'canary a2' };

describe('a serving change whose lightweight transaction timed out', () => {
  it('is reported as made when the SERIAL read finds it applied', async () => {
    const client = new TimingOutClient();
    client.plan = ['applies-then-times-out'];
    expect(await registryOn(client).setServing(next, 4)).toBe(true);
    expect([client.lwtAttempts, client.serialReads]).toEqual([1, 1]);
  });

  it('is reported as lost when another writer moved the revision on', async () => {
    const client = new TimingOutClient();
    client.plan = ['other-writer-then-times-out'];
    expect(await registryOn(client).setServing(next, 4)).toBe(false);
    expect(client.serving).toMatchObject({ active: 'b' });
  });

  it('is reported as lost when another writer made the very same change first (replicas seeding together)', async () => {
    const client = new TimingOutClient();
    client.plan = ['same-change-by-other-writer-then-times-out'];
    expect(await registryOn(client).setServing(next, 4)).toBe(false);
    expect(client.serving).toMatchObject({ active: 'a', canary_version: 'a2', reason: 'canary a2' });
    expect([client.lwtAttempts, client.serialReads]).toEqual([1, 1]);
  });

  it('is tried again while nothing applied, and gives up with the error after three tries', async () => {
    const client = new TimingOutClient();
    client.plan = ['times-out', 'applies'];
    expect(await registryOn(client).setServing(next, 4)).toBe(true);
    expect(client.lwtAttempts).toBe(2);
    const stuck = new TimingOutClient();
    stuck.plan = ['times-out', 'times-out', 'times-out'];
    await expect(registryOn(stuck).setServing(next, 4)).rejects.toThrow(/CAS operation timed out/);
    expect(stuck.lwtAttempts).toBe(3);
  });

  it('rethrows any other failure at once, without guessing', async () => {
    const client = new TimingOutClient();
    client.plan = ['fails'];
    await expect(registryOn(client).setServing(next, 4)).rejects.toThrow(/not enough replicas/);
    expect([client.lwtAttempts, client.serialReads]).toEqual([1, 0]);
  });
});
