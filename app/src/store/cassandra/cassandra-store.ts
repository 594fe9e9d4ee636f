import type { Logger } from 'pino';
import { UnavailableError } from '../../errors.js';
import type { Correction, ListOptions, PredictionPage, PredictionRecord, PredictionStore, StoreDeliveryStats, StoreHealth } from '../prediction-store.js';
import { Deliverer } from './deliverer.js';
import type { HistoryReader } from './history.js';
import { checkPageLimit } from '../history-page.js';
import { compareNewestFirst, decodeCursor, encodeCursor, isPredictionId } from './layout.js';
import type { Spool } from './spool.js';
import { StoreStatsRecorder, type CassandraStoreStats, type WriteEvent } from './store-stats.js';

/** The part of the driver client the store uses directly (host states, shutdown). */
export interface ClusterHandle {
  readonly hosts: { values(): { isUp(): boolean }[] };
  shutdown(): Promise<void>;
}

/** One prediction's Cassandra I/O (PredictionTable). */
export interface PredictionRows {
  write(record: PredictionRecord): Promise<void>;
  /** Records recorded together: written in as few mutations as their partitions allow. */
  writeMany(records: readonly PredictionRecord[]): Promise<void>;
  read(id: string): Promise<PredictionRecord | null>;
  /** Stores a stored record's new feedback (on its row and in the corrections table). */
  setFeedback(corrected: PredictionRecord): Promise<void>;
  /** Every correction, oldest first. */
  readCorrections(): Promise<Correction[]>;
}

export interface CassandraStoreParts {
  readonly client: ClusterHandle;
  readonly table: PredictionRows;
  readonly history: HistoryReader;
  readonly spool: Spool;
  readonly logger: Logger;
  /** Longest a user's write waits on Cassandra before the record goes to the spool. */
  readonly writeTimeoutMs: number;
  /** Backlog above which health() says not ok (the pod turns unready). */
  readonly readyThreshold: number;
  /** Longest close() keeps delivering the spool before it gives up (records stay on disk). */
  readonly drainTimeoutMs: number;
}

/** A record() call waiting for its group's write. */
interface PendingWrite {
  readonly prediction: PredictionRecord;
  readonly startedAt: number;
  resolve(): void;
  reject(error: unknown): void;
}

function unavailable(what: string, error: unknown): UnavailableError {
  return new UnavailableError(`prediction store unavailable (${what})`, { cause: error });
}

/**
 * PredictionStore on Cassandra with a durable local spool. record() resolves once the row is in
 * Cassandra at the configured consistency or committed to the spool; it never waits on Cassandra
 * longer than writeTimeoutMs, and after a failure it spools directly until the deliverer gets
 * a write through again (so an outage costs users no time). Records of the same event-loop turn
 * (a classifier batch answered together) are written together, one unlogged batch per
 * partition (group commit: same promise, fewer mutations). Reads consult the spool too, so a
 * just-answered prediction is visible before it reaches Cassandra.
 */
export class CassandraStore implements PredictionStore {
  readonly kind = 'cassandra' as const;
  private readonly deliverer: Deliverer;
  private readonly stats = new StoreStatsRecorder();
  private cassandraTakesWrites = true;
  private closed: Promise<void> | undefined;
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  /** The group being written, so that close() waits for it. */
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly parts: CassandraStoreParts) {
    this.deliverer = new Deliverer({
      spool: parts.spool,
      write: (record) => parts.table.write(record),
      logger: parts.logger,
      // Delivery is in the background: it may wait longer than a user would, not forever.
      attemptTimeoutMs: Math.max(2_000, parts.writeTimeoutMs * 4),
      onRound: (delivered, failed) => {
        this.stats.countDelivery(delivered, failed);
        if (delivered > 0 && failed === 0) this.cassandraTakesWrites = true;
      },
    });
    if (parts.spool.size > 0) parts.logger.info({ backlog: parts.spool.size }, 'delivering predictions left in the spool by an earlier process');
    this.deliverer.start();
  }

  record(prediction: PredictionRecord): Promise<void> {
    if (this.closed !== undefined) return Promise.reject(new UnavailableError('prediction store is shutting down'));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ prediction, startedAt: performance.now(), resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      // After this turn: the records answered together (a classifier batch) form one group.
      setImmediate(() => {
        this.flushScheduled = false;
        const group = this.pending.splice(0);
        // An unexpected failure fails the group's callers (500), never leaves one waiting.
        const written = this.writeGroup(group).catch((error: unknown) => group.forEach((write) => write.reject(error)));
        this.flushing = Promise.all([this.flushing, written]).then(() => undefined);
      });
    });
  }

  /** Cassandra for the whole group when it takes writes, else (or when that fails) the spool for each. */
  private async writeGroup(group: readonly PendingWrite[]): Promise<void> {
    // With a full spool, Cassandra is the only way left to keep the records: try it even while
    // the deliverer is still backing off (the cluster may be back), before answering 503.
    if (this.cassandraTakesWrites || this.parts.spool.isFull) {
      try {
        await this.writeWithin(group.map((write) => write.prediction));
        for (const write of group) {
          this.stats.emitWrite({ outcome: 'cassandra', durationMs: performance.now() - write.startedAt });
          write.resolve();
        }
        if (!this.cassandraTakesWrites) this.deliverer.wakeAfterRecovery();
        this.cassandraTakesWrites = true;
        return;
      } catch (error) {
        this.cassandraTakesWrites = false;
        this.parts.logger.warn({ err: error, ids: group.map((write) => write.prediction.id) }, 'Cassandra write failed; spooling until it takes writes again');
      }
    }
    await Promise.all(group.map((write) => this.spool(write)));
  }

  private async spool(write: PendingWrite): Promise<void> {
    try {
      await this.parts.spool.append(write.prediction);
    } catch (error) {
      this.stats.emitWrite({ outcome: 'rejected', durationMs: performance.now() - write.startedAt });
      write.reject(error);
      return;
    }
    this.stats.emitWrite({ outcome: 'spooled', durationMs: performance.now() - write.startedAt });
    this.deliverer.notify();
    write.resolve();
  }

  /** The writes, or a rejection after writeTimeoutMs (they may still land: they are idempotent). */
  private writeWithin(predictions: readonly PredictionRecord[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`write took over ${this.parts.writeTimeoutMs} ms`)), this.parts.writeTimeoutMs);
    });
    const write = predictions.length === 1 ? this.parts.table.write(predictions[0]!) : this.parts.table.writeMany(predictions);
    return Promise.race([write, timeout]).finally(() => clearTimeout(timer));
  }

  async get(id: string): Promise<PredictionRecord | null> {
    if (!isPredictionId(id)) return null;
    const spooled = this.parts.spool.get(id);
    if (spooled !== null) return spooled;
    try {
      return await this.parts.table.read(id);
    } catch (error) {
      throw unavailable('reading a prediction', error);
    }
  }

  async list(options: ListOptions): Promise<PredictionPage> {
    checkPageLimit(options.limit);
    const beforeId = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const want = options.limit + 1; // one more than asked tells whether a next page exists
    const spooled = this.parts.spool.listNewest(beforeId, want);
    let stored: PredictionRecord[];
    try {
      stored = await this.parts.history.read(beforeId, want);
    } catch (error) {
      throw unavailable('reading history', error);
    }
    const byId = new Map<string, PredictionRecord>();
    for (const record of [...stored, ...spooled]) byId.set(record.id, record); // the spool's copy is newer
    const merged = [...byId.values()].sort(compareNewestFirst);
    const items = merged.slice(0, options.limit);
    const last = items.at(-1);
    return { items, nextCursor: merged.length > options.limit && last !== undefined ? encodeCursor(last.id) : null };
  }

  async setFeedback(id: string, label: number, at: Date): Promise<PredictionRecord | null> {
    if (!isPredictionId(id)) return null;
    const spooled = this.parts.spool.updateFeedback(id, label, at);
    if (spooled !== null) {
      this.deliverer.notify();
      return spooled;
    }
    try {
      const existing = await this.parts.table.read(id);
      if (existing === null) return null; // an UPDATE now would create a row of feedback alone
      const corrected = { ...existing, feedbackLabel: label, feedbackAt: at };
      await this.parts.table.setFeedback(corrected);
      return corrected;
    } catch (error) {
      throw unavailable('storing feedback', error);
    }
  }

  /**
   * Every correction in Cassandra's corrections table. One corrected while its prediction
   * waits in the spool joins them when the spool delivers it (the deliverer writes both).
   */
  async corrections(): Promise<Correction[]> {
    try {
      return await this.parts.table.readCorrections();
    } catch (error) {
      throw unavailable('reading corrections', error);
    }
  }

  async health(): Promise<StoreHealth> {
    const hosts = this.parts.client.hosts.values();
    const up = hosts.filter((host) => host.isUp()).length;
    const backlog = this.parts.spool.size;
    const overThreshold = backlog > this.parts.readyThreshold;
    const detail = `cassandra: ${up}/${hosts.length} hosts up, writes ${this.cassandraTakesWrites ? 'direct' : 'spooled'}; spool backlog ${backlog}${overThreshold ? ` > ${this.parts.readyThreshold}` : ''}`;
    return { ok: !overThreshold && this.closed === undefined, detail, backlog };
  }

  /** Counters for the metrics module: spool depth, writes by outcome, deliveries, retries. */
  getStats(): CassandraStoreStats {
    return this.stats.snapshot(this.parts.spool.size, this.cassandraTakesWrites);
  }

  deliveryStats(): StoreDeliveryStats {
    const { deliveredTotal, deliveryRetriesTotal } = this.stats.snapshot(this.parts.spool.size, this.cassandraTakesWrites);
    return { deliveredTotal, deliveryRetriesTotal };
  }

  /** Called once per record(): outcome and time the caller waited (for a latency histogram). */
  onWrite(listener: (event: WriteEvent) => void): void {
    this.stats.addListener(listener);
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    // Records accepted before close() are kept: their group is written (or spooled) first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.flushing;
    const emptied = await this.deliverer.drain(this.parts.drainTimeoutMs);
    await this.deliverer.stop();
    if (!emptied) this.parts.logger.warn({ backlog: this.parts.spool.size }, 'spool not drained before shutdown; the next start delivers it');
    await this.parts.client.shutdown().catch(() => {});
    this.parts.spool.close();
  }
}
