import type { PredictionRecord, PredictionSource } from '../store/prediction-store.js';

/** A prediction as the API returns it (dates as ISO strings, the 28x28 input as 784 numbers). */
export interface PredictionJson {
  readonly id: string;
  readonly digit: number;
  readonly confidence: number;
  readonly probabilities: readonly number[];
  readonly modelVersion: string;
  readonly createdAt: string;
  /** What the model saw: 784 values 0 (background) .. 255 (ink), row-major 28x28. */
  readonly input: readonly number[];
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
    input: Array.from(record.input),
    source: record.source,
    latencyMs: record.latencyMs,
    feedbackLabel: record.feedbackLabel,
    feedbackAt: record.feedbackAt === null ? null : record.feedbackAt.toISOString(),
  };
}
