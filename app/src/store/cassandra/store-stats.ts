/** What one record() call did, for a write-latency histogram by outcome. */
export interface WriteEvent {
  /** cassandra: written at the configured consistency; spooled: kept on disk; rejected: 503. */
  readonly outcome: 'cassandra' | 'spooled' | 'rejected';
  /** Time the caller waited, in milliseconds. */
  readonly durationMs: number;
}

/** Monotonic counters (Prometheus counters can be set from their difference) and gauges. */
export interface CassandraStoreStats {
  /** Records accepted but not yet in Cassandra. */
  readonly spoolDepth: number;
  /** False while writes go straight to the spool (after a failed Cassandra write). */
  readonly cassandraTakesWrites: boolean;
  readonly writesTotal: { readonly cassandra: number; readonly spooled: number; readonly rejected: number };
  /** Spooled records the deliverer got into Cassandra. */
  readonly deliveredTotal: number;
  /** Spooled records whose delivery attempt failed (each will be retried). */
  readonly deliveryRetriesTotal: number;
}

export class StoreStatsRecorder {
  private readonly listeners: ((event: WriteEvent) => void)[] = [];
  private readonly writes = { cassandra: 0, spooled: 0, rejected: 0 };
  private delivered = 0;
  private retries = 0;

  addListener(listener: (event: WriteEvent) => void): void {
    this.listeners.push(listener);
  }

  emitWrite(event: WriteEvent): void {
    this.writes[event.outcome] += 1;
    for (const listener of this.listeners) listener(event);
  }

  countDelivery(delivered: number, failed: number): void {
    this.delivered += delivered;
    this.retries += failed;
  }

  snapshot(spoolDepth: number, cassandraTakesWrites: boolean): CassandraStoreStats {
    return { spoolDepth, cassandraTakesWrites, writesTotal: { ...this.writes }, deliveredTotal: this.delivered, deliveryRetriesTotal: this.retries };
  }
}
