import type { PredictionRecord, PredictionSource } from '../store/prediction-store.js';

/** A prediction as the API returns it (dates as ISO strings, the 28x28 input as base64 bytes). */
export interface PredictionJson {
  readonly id: string;
  readonly digit: number;
  readonly confidence: number;
  readonly probabilities: readonly number[];
  readonly modelVersion: string;
  readonly createdAt: string;
  /**
   * What the model saw: 784 bytes 0 (background) .. 255 (ink), row-major 28x28, base64. As an
   * array of numbers it cost ~20x more to serialise than the rest of the answer, and 2x the bytes.
   */
  readonly input: string;
  readonly source: PredictionSource;
  readonly latencyMs: number;
  readonly feedbackLabel: number | null;
  readonly feedbackAt: string | null;
}

/** Converts a stored record to its JSON form; the one place the API's field names live. */
export function toPredictionJson(record: PredictionRecord): PredictionJson {
  return {
    id: record.id,
    digit: record.digit,
    confidence: record.confidence,
    probabilities: [...record.probabilities],
    modelVersion: record.modelVersion,
    createdAt: record.createdAt.toISOString(),
    input: Buffer.from(record.input.buffer, record.input.byteOffset, record.input.byteLength).toString('base64'),
    source: record.source,
    latencyMs: record.latencyMs,
    feedbackLabel: record.feedbackLabel,
    feedbackAt: record.feedbackAt === null ? null : record.feedbackAt.toISOString(),
  };
}
