import type { PredictionRecord, PredictionSource } from '../prediction-store.js';

/** A PredictionRecord as the spool stores it: JSON with the 784 input bytes in base64. */
interface SpooledJson {
  id: string;
  createdAt: string;
  digit: number;
  confidence: number;
  probabilities: number[];
  modelVersion: string;
  input: string;
  source: PredictionSource;
  latencyMs: number;
  feedbackLabel: number | null;
  feedbackAt: string | null;
}

export function encodeSpooled(record: PredictionRecord): string {
  const json: SpooledJson = {
    id: record.id,
    createdAt: record.createdAt.toISOString(),
    digit: record.digit,
    confidence: record.confidence,
    probabilities: [...record.probabilities],
    modelVersion: record.modelVersion,
    input: Buffer.from(record.input).toString('base64'),
    source: record.source,
    latencyMs: record.latencyMs,
    feedbackLabel: record.feedbackLabel,
    feedbackAt: record.feedbackAt?.toISOString() ?? null,
  };
  return JSON.stringify(json);
}

export function decodeSpooled(text: string): PredictionRecord {
  const json = JSON.parse(text) as SpooledJson;
  return {
    ...json,
    createdAt: new Date(json.createdAt),
    input: new Uint8Array(Buffer.from(json.input, 'base64')),
    feedbackAt: json.feedbackAt === null ? null : new Date(json.feedbackAt),
  };
}
