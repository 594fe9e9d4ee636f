import cassandra from 'cassandra-driver';
import { InvalidRequestError } from '../../errors.js';
import { createCursorCodec } from '../history-page.js';
import { LOCALITY_BITS, timeOfPredictionId } from '../ids.js';
import type { PredictionRecord, PredictionSource } from '../prediction-store.js';
import { SHARD_COUNT } from './schema.js';

/**
 * Where a prediction lives: partition (hour, shard), both derived from its UUIDv7 id alone, so
 * a by-id lookup needs no second table: the hour comes from the id's timestamp, the shard from
 * the low bits of its last byte, which ids.ts keeps equal for runs of consecutive ids and
 * round-robins otherwise: writes spread evenly over SHARD_COUNT partitions per hour, and the
 * rows of one group commit mostly share a partition (one mutation, not one per row).
 */
const HOUR_MS = 3_600_000;
// The shard must be a function of the bits ids.ts keeps equal within a run.
if ((1 << LOCALITY_BITS) % SHARD_COUNT !== 0) throw new Error(`SHARD_COUNT ${SHARD_COUNT} must divide 2^${LOCALITY_BITS}`);

export interface RowKey {
  readonly hour: Date;
  readonly shard: number;
}

/** Partition key of a prediction id; throws InvalidRequestError for anything but a UUIDv7. */
export function keyOfId(id: string): RowKey {
  const time = timeOfPredictionId(id);
  if (time === null) throw new InvalidRequestError(`not a prediction id: "${id}"`);
  return { hour: hourOf(time), shard: parseInt(id.slice(-2), 16) % SHARD_COUNT };
}

export function hourOf(time: Date): Date {
  return new Date(Math.floor(time.getTime() / HOUR_MS) * HOUR_MS);
}

export const PREDICTION_COLUMNS =
  'id, created_at, digit, confidence, probabilities, model_version, input, source, latency_ms, feedback_label, feedback_at';

/** Values for INSERT (hour, shard, then PREDICTION_COLUMNS). Null feedback is left unset, never a tombstone. */
export function toInsertParams(record: PredictionRecord): unknown[] {
  const key = keyOfId(record.id);
  return [
    key.hour,
    key.shard,
    cassandra.types.Uuid.fromString(record.id),
    record.createdAt,
    record.digit,
    record.confidence,
    [...record.probabilities],
    record.modelVersion,
    Buffer.from(record.input),
    record.source,
    record.latencyMs,
    record.feedbackLabel ?? undefined,
    record.feedbackAt ?? undefined,
  ];
}

export function fromRow(row: cassandra.types.Row): PredictionRecord {
  const input = row.get('input') as Buffer;
  const feedbackLabel = row.get('feedback_label') as number | null;
  return {
    id: String(row.get('id')),
    createdAt: row.get('created_at') as Date,
    digit: row.get('digit') as number,
    confidence: row.get('confidence') as number,
    probabilities: (row.get('probabilities') as number[] | null) ?? [],
    modelVersion: row.get('model_version') as string,
    input: new Uint8Array(input.buffer.slice(input.byteOffset, input.byteOffset + input.byteLength)),
    source: row.get('source') as PredictionSource,
    latencyMs: row.get('latency_ms') as number,
    feedbackLabel: feedbackLabel ?? null,
    feedbackAt: (row.get('feedback_at') as Date | null) ?? null,
  };
}

/** The Cassandra store's history cursors (prefix c1: cassandra, format 1). */
export const { encode: encodeCursor, decode: decodeCursor } = createCursorCodec('c1:');

/** True for ids this service issues (UUIDv7); anything else cannot be stored here. */
export function isPredictionId(id: string): boolean {
  return timeOfPredictionId(id) !== null;
}

/** Newest first: UUIDv7 strings (lower-case hex) sort like their bytes, i.e. by time. */
export function compareNewestFirst(a: PredictionRecord, b: PredictionRecord): number {
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
