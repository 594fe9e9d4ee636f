import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { PredictionRecord } from '../prediction-store.js';
import type { Spool } from './spool.js';
import { errorMessage } from '../../errors.js';

export interface DelivererOptions {
  readonly spool: Spool;
  /** Writes one record to Cassandra (idempotent, so a retry after an unclear failure is safe). */
  readonly write: (record: PredictionRecord) => Promise<void>;
  readonly logger: Logger;
  /** Told after every round: how many went, how many failed. */
  readonly onRound: (delivered: number, failed: number) => void;
  /** Bound on one delivery attempt; a write still pending then counts as failed (and is retried). */
  readonly attemptTimeoutMs: number;
  readonly batchSize?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

/**
 * Background delivery of spooled records: oldest first, a batch at a time, in parallel. After a
 * failed round it waits with exponential backoff and full jitter (random in [0, min(max,
 * base * 2^n)]), so many app replicas coming back at once do not stampede a recovering cluster.
 */
export class Deliverer {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private failures = 0;
  private readonly batchSize: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: DelivererOptions) {
    this.batchSize = options.batchSize ?? 128;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Something was spooled: deliver now rather than at the next poll. Ignored while backing off
   * after a failure, or every request during an outage would trigger a retry.
   */
  notify(): void {
    if (this.failures === 0) this.wake?.();
  }

  /** Cassandra took a write again: end any backoff and deliver now. */
  wakeAfterRecovery(): void {
    this.failures = 0;
    this.wake?.();
  }

  /** Stops after the current round. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Delivers until the spool is empty or the time is up; true when it emptied. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.options.spool.size > 0 && Date.now() < deadline) {
      this.failures = 0; // a drain retries at once, not at the backoff of an outage
      this.wake?.();
      await sleep(Math.min(50, Math.max(0, deadline - Date.now())));
    }
    return this.options.spool.size === 0;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const batch = this.options.spool.takeOldest(this.batchSize);
      if (batch.length === 0) {
        await this.idle(1_000);
        continue;
      }
      const results = await Promise.allSettled(batch.map((entry) => this.attempt(entry.record)));
      const delivered = batch.filter((_, i) => results[i]!.status === 'fulfilled');
      this.options.spool.removeDelivered(delivered);
      const failed = batch.length - delivered.length;
      this.options.onRound(delivered.length, failed);
      if (failed === 0) {
        if (this.failures > 0) this.options.logger.info({ backlog: this.options.spool.size }, 'spool delivery resumed');
        this.failures = 0;
        continue;
      }
      this.failures += 1;
      const reason = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason as unknown;
      if (this.failures === 1 || this.failures % 20 === 0) {
        this.options.logger.warn(
          { backlog: this.options.spool.size, failedRounds: this.failures, reason: errorMessage(reason) },
          'spool delivery failed; retrying with backoff',
        );
      }
      const ceilingMs = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(this.failures, 20));
      await this.idle(Math.random() * ceilingMs);
    }
  }

  private attempt(record: PredictionRecord): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`delivery took over ${this.options.attemptTimeoutMs} ms`)), this.options.attemptTimeoutMs);
    });
    return Promise.race([this.options.write(record), late]).finally(() => clearTimeout(timer));
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

