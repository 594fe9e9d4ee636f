/**
 * The record of predictions, behind one small interface. Implementations: the embedded
 * SQLite store (default, no database needed) and the Cassandra store (with its on-disk
 * spool). Plain objects in, plain objects out; no HTTP types here.
 */

export const PREDICTION_SOURCES = ['canvas', 'upload', 'api', 'replay'] as const;
export type PredictionSource = (typeof PREDICTION_SOURCES)[number];

export interface PredictionRecord {
  /** Time-ordered unique id (UUIDv7, see ids.ts). */
  readonly id: string;
  readonly createdAt: Date;
  readonly digit: number;
  readonly confidence: number;
  /** Ten softmax probabilities, index = digit. */
  readonly probabilities: readonly number[];
  readonly modelVersion: string;
  /** The 28x28 input the model saw, row-major, 0 (background) .. 255 (ink). 784 bytes. */
  readonly input: Uint8Array;
  readonly source: PredictionSource;
  /** Server-side latency of the prediction request, in milliseconds. */
  readonly latencyMs: number;
  /** The user's correction, when given. */
  readonly feedbackLabel: number | null;
  readonly feedbackAt: Date | null;
}

export interface PredictionPage {
  /** Newest first. */
  readonly items: readonly PredictionRecord[];
  /** Opaque cursor for the next (older) page, or null at the end. */
  readonly nextCursor: string | null;
}

export interface ListOptions {
  readonly limit: number;
  readonly cursor?: string | undefined;
}

export interface StoreHealth {
  /** False when the store cannot take writes safely (the service is then unready). */
  readonly ok: boolean;
  /** A short, human-readable state, e.g. "cassandra: 3/3 hosts up" or "spool backlog 12000 > 10000". */
  readonly detail: string;
  /** Records accepted but not yet in the primary database (Cassandra spool); 0 for the embedded store. */
  readonly backlog: number;
}

/** What one record() call did: where the record went and how long the caller waited. */
export interface StoreWriteEvent {
  /** e.g. cassandra (written at the configured consistency), spooled (on disk), rejected (503). */
  readonly outcome: string;
  readonly durationMs: number;
}

/** Monotonic delivery counters of a store that spools (for Prometheus counters). */
export interface StoreDeliveryStats {
  /** Spooled records delivered to the primary database. */
  readonly deliveredTotal: number;
  /** Delivery attempts that failed and will be retried. */
  readonly deliveryRetriesTotal: number;
}

/**
 * A stored correction: what the model saw, what it answered, and what the user said it is.
 * (Named in models/model-registry.ts too, where the lifecycle reads it from.)
 */
export interface Correction {
  readonly id: string;
  readonly createdAt: Date;
  /** 784 bytes, 0 background .. 255 ink. */
  readonly input: Uint8Array;
  readonly digit: number;
  readonly label: number;
  readonly modelVersion: string;
}

export interface PredictionStore {
  readonly kind: 'embedded' | 'cassandra';
  /**
   * Durably records a prediction. Resolves only once the record is safe (in the database
   * at the configured consistency, or in the on-disk spool). Rejects with UnavailableError
   * when it cannot keep the record (spool full): the caller must then answer 503.
   */
  record(prediction: PredictionRecord): Promise<void>;
  /** The record with this id, or null. */
  get(id: string): Promise<PredictionRecord | null>;
  /** History, newest first. Throws InvalidRequestError for a malformed cursor. */
  list(options: ListOptions): Promise<PredictionPage>;
  /** Stores the user's correction; returns the updated record, or null when the id is unknown. */
  setFeedback(id: string, label: number, at: Date): Promise<PredictionRecord | null>;
  /**
   * Every stored correction (a prediction with the user's label), oldest first, in one array:
   * a few thousand corrections are a few MB, which retraining holds in memory anyway. A label
   * changed twice counts once, with its latest value.
   */
  corrections(): Promise<Correction[]>;
  health(): Promise<StoreHealth>;
  /** Optional instrumentation: called once per record() (write latency by outcome). */
  onWrite?(listener: (event: StoreWriteEvent) => void): void;
  /** Optional instrumentation: spool delivery counters. */
  deliveryStats?(): StoreDeliveryStats;
  /** Flushes what is pending (drains the spool when it can) and releases connections. */
  close(): Promise<void>;
}
