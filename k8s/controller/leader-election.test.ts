import { describe, expect, it } from 'vitest';
import { judgeLease, LeaderElector, LeaseConflictError, stillLeading, type LeaseRecord, type LeaseSpec, type LeaseStore } from './leader-election.js';

const TIMINGS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** One Lease in memory with the API server's optimistic concurrency; can be made unreachable. */
class MemoryLeaseStore implements LeaseStore {
  record: LeaseRecord | null = null;
  down = false;
  private version = 0;

  async get(): Promise<LeaseRecord | null> {
    this.check();
    return this.record;
  }
  async create(spec: LeaseSpec): Promise<LeaseRecord> {
    this.check();
    if (this.record !== null) throw new LeaseConflictError('exists');
    return this.store(spec);
  }
  async update(spec: LeaseSpec, resourceVersion: string): Promise<LeaseRecord> {
    this.check();
    if (this.record?.resourceVersion !== resourceVersion) throw new LeaseConflictError('stale');
    return this.store(spec);
  }
  private store(spec: LeaseSpec): LeaseRecord {
    this.record = { ...spec, resourceVersion: String(++this.version) };
    return this.record;
  }
  private check(): void {
    if (this.down) throw new Error('connect ECONNREFUSED');
  }
}

function record(holder: string | null, resourceVersion = '1'): LeaseRecord {
  return { holderIdentity: holder, leaseDurationSeconds: 15, acquireTime: null, renewTime: null, leaseTransitions: 0, resourceVersion };
}

describe('judgeLease', () => {
  it('creates a missing Lease, renews its own, takes an empty one', () => {
    expect(judgeLease(null, 0, 0, 'a')).toBe('create');
    expect(judgeLease(record('a'), 0, 60_000, 'a')).toBe('renew');
    expect(judgeLease(record(null), 0, 0, 'a')).toBe('acquire');
    expect(judgeLease(record(''), 0, 0, 'a')).toBe('acquire');
  });

  it("takes another's Lease only after seeing it unchanged for a whole lease duration, by its own clock", () => {
    expect(judgeLease(record('b'), 100_000, 114_999, 'a')).toBe('follow');
    expect(judgeLease(record('b'), 100_000, 115_000, 'a')).toBe('acquire');
  });

  it('lets a leader act only within the renew deadline of its last renewal', () => {
    expect(stillLeading(0, 9_999, TIMINGS)).toBe(true);
    expect(stillLeading(0, 10_000, TIMINGS)).toBe(false);
  });
});

describe('LeaderElector', () => {
  function pair() {
    const store = new MemoryLeaseStore();
    let now = 1_000_000;
    const clock = () => now;
    const a = new LeaderElector(store, 'a', TIMINGS, clock);
    const b = new LeaderElector(store, 'b', TIMINGS, clock);
    return { store, a, b, advance: (ms: number) => { now += ms; } };
  }

  it('elects exactly one of two candidates and keeps it while it renews', async () => {
    const { store, a, b, advance } = pair();
    expect(await a.tick()).toBe(true);
    expect(await b.tick()).toBe(false);
    for (let i = 0; i < 20; i++) {
      advance(TIMINGS.retryPeriodMs);
      expect(await a.tick()).toBe(true);
      expect(await b.tick()).toBe(false);
    }
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(store.record).toMatchObject({ holderIdentity: 'a', leaseTransitions: 0, leaseDurationSeconds: 15 });
  });

  it('hands over once the leader stops renewing: not before the lease duration, then at the next try', async () => {
    const { store, a, b, advance } = pair();
    await a.tick();
    await b.tick();
    // a hangs: b keeps seeing the same record.
    advance(TIMINGS.renewDeadlineMs);
    expect(a.isLeader()).toBe(false);
    advance(TIMINGS.leaseDurationMs - TIMINGS.renewDeadlineMs - 1);
    expect(await b.tick()).toBe(false);
    advance(1);
    expect(await b.tick()).toBe(true);
    expect(store.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    // a comes back, finds b holding a fresh Lease and follows.
    expect(await a.tick()).toBe(false);
  });

  it('never has two leaders when both find an expired Lease: the slower write conflicts', async () => {
    const { store, a, b, advance } = pair();
    store.record = { ...record('gone', '41'), leaseDurationSeconds: 15 };
    await a.tick();
    await b.tick();
    advance(TIMINGS.leaseDurationMs);
    const [first, second] = await Promise.all([a.tick(), b.tick()]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
  });

  it('steps down when the API server is unreachable past the renew deadline, before anyone can take over', async () => {
    const { store, a, advance } = pair();
    await a.tick();
    store.down = true;
    advance(TIMINGS.retryPeriodMs);
    await expect(a.tick()).rejects.toThrow('ECONNREFUSED');
    expect(a.isLeader()).toBe(true);
    advance(TIMINGS.renewDeadlineMs - TIMINGS.retryPeriodMs);
    await expect(a.tick()).rejects.toThrow('ECONNREFUSED');
    expect(a.isLeader()).toBe(false);
  });

  it('releases the Lease on shutdown so the standby takes over at its next try', async () => {
    const { store, a, b, advance } = pair();
    await a.tick();
    await b.tick();
    await a.release();
    expect(store.record?.holderIdentity).toBeNull();
    expect(a.isLeader()).toBe(false);
    advance(TIMINGS.retryPeriodMs);
    expect(await b.tick()).toBe(true);
  });
});
