/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it:
 * the holder renews the Lease every retry period; a candidate takes it over only once it has
 * seen the same record unchanged for a whole lease duration, timed by its own clock (so clocks
 * that disagree between nodes do not matter); a leader that could not renew within the renew
 * deadline stops leading before anyone else can start. Every write carries the resourceVersion
 * it read, so two candidates racing for an expired Lease cannot both win.
 */

/** The Lease's spec as far as the election goes, and the version it was read at. */
export interface LeaseRecord {
  readonly holderIdentity: string | null;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: string | null;
  readonly renewTime: string | null;
  readonly leaseTransitions: number;
  readonly resourceVersion: string;
}

export type LeaseSpec = Omit<LeaseRecord, 'resourceVersion'>;

/** The Lease in the API server. `create` and `update` throw LeaseConflictError when someone else wrote first. */
export interface LeaseStore {
  get(): Promise<LeaseRecord | null>;
  create(spec: LeaseSpec): Promise<LeaseRecord>;
  update(spec: LeaseSpec, resourceVersion: string): Promise<LeaseRecord>;
}

/** Another candidate wrote the Lease between our read and our write (HTTP 409). */
export class LeaseConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseConflictError';
  }
}

export interface ElectionTimings {
  /** How long a Lease holds without renewal. @default 15000 */
  readonly leaseDurationMs: number;
  /** A leader that has not renewed for this long stops leading; < leaseDurationMs. @default 10000 */
  readonly renewDeadlineMs: number;
  /** Time between two tries (to renew, or to acquire). @default 2000 */
  readonly retryPeriodMs: number;
}

export const DEFAULT_TIMINGS: ElectionTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export type LeaseAction = 'create' | 'renew' | 'acquire' | 'follow';

/**
 * What a candidate does with the Lease it just read: pure timing logic. `observedAtMs` is when
 * this candidate first saw the record at its current resourceVersion, by its own clock.
 */
export function judgeLease(record: LeaseRecord | null, observedAtMs: number, nowMs: number, identity: string): LeaseAction {
  if (record === null) return 'create';
  if (record.holderIdentity === identity) return 'renew';
  if (record.holderIdentity === null || record.holderIdentity === '') return 'acquire';
  return nowMs >= observedAtMs + record.leaseDurationSeconds * 1000 ? 'acquire' : 'follow';
}

/** Whether a leader whose last successful renewal was at `lastRenewMs` may still act as one. */
export function stillLeading(lastRenewMs: number, nowMs: number, timings: ElectionTimings): boolean {
  return nowMs - lastRenewMs < timings.renewDeadlineMs;
}

/**
 * One candidate. `tick()` is one try (the caller runs it every retry period); `isLeader()` is
 * what the reconcile loop asks before every action. API errors other than conflicts propagate
 * from tick() after being accounted for: a leader keeps leading until its renew deadline passes.
 */
export class LeaderElector {
  private observed: { resourceVersion: string; atMs: number } | null = null;
  private lastRenewMs: number | null = null;

  constructor(
    private readonly store: LeaseStore,
    readonly identity: string,
    readonly timings: ElectionTimings = DEFAULT_TIMINGS,
    private readonly now: () => number = Date.now,
  ) {}

  isLeader(): boolean {
    return this.lastRenewMs !== null && stillLeading(this.lastRenewMs, this.now(), this.timings);
  }

  /** Reads the Lease and creates, renews, takes over or follows it; returns whether this candidate leads. */
  async tick(): Promise<boolean> {
    try {
      const record = await this.store.get();
      const nowMs = this.now();
      if (record !== null && this.observed?.resourceVersion !== record.resourceVersion) {
        this.observed = { resourceVersion: record.resourceVersion, atMs: nowMs };
      }
      const action = judgeLease(record, this.observed?.atMs ?? nowMs, nowMs, this.identity);
      if (action === 'follow') {
        this.lastRenewMs = null;
        return false;
      }
      const at = new Date(nowMs).toISOString();
      const holding = action === 'renew';
      const spec: LeaseSpec = {
        holderIdentity: this.identity,
        leaseDurationSeconds: Math.ceil(this.timings.leaseDurationMs / 1000),
        acquireTime: holding ? (record?.acquireTime ?? at) : at,
        renewTime: at,
        leaseTransitions: record === null ? 0 : record.leaseTransitions + (holding ? 0 : 1),
      };
      const written = record === null ? await this.store.create(spec) : await this.store.update(spec, record.resourceVersion);
      this.observed = { resourceVersion: written.resourceVersion, atMs: nowMs };
      this.lastRenewMs = nowMs;
      return true;
    } catch (error) {
      if (error instanceof LeaseConflictError) {
        this.lastRenewMs = null;
        return false;
      }
      if (!this.isLeader()) this.lastRenewMs = null;
      throw error;
    }
  }

  /** Gives the Lease up (on shutdown) so a standby takes over at its next try, not a lease duration later. */
  async release(): Promise<void> {
    if (!this.isLeader()) return;
    this.lastRenewMs = null;
    const record = await this.store.get();
    if (record === null || record.holderIdentity !== this.identity) return;
    const { resourceVersion, ...spec } = record;
    await this.store.update({ ...spec, holderIdentity: null, renewTime: new Date(this.now()).toISOString() }, resourceVersion);
  }
}
