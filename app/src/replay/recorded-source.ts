import { StartupError } from '../errors.js';
import { IMAGE_PIXELS } from '../mnist/geometry.js';
import type { JsonResponse } from './http-client.js';
import type { LoadedSource, ReplayItem } from './outcome.js';
import { encodeAll } from './png-encode.js';

/**
 * Recorded traffic: the 28x28 inputs of predictions the service stored, read through its own
 * API (GET /api/predictions, newest first, cursor paging), re-encoded as the same 28x28 PNGs
 * and replayed so a new model version can be compared with the answers recorded at the time
 * (agreement) and, where users corrected a prediction, with their label (accuracy).
 *
 * The snapshot is pinned by a cut-off time: the replay's own predictions are recorded too, so
 * without it P pods starting at different moments would read different histories. Predictions
 * made by earlier replays (source "replay") are skipped: they are not users' traffic.
 */

export interface RecordedSourceOptions {
  /** Reads one API path (the replay client's getJson). */
  readonly getJson: (pathAndQuery: string) => Promise<JsonResponse>;
  /** Only predictions created strictly before this instant. */
  readonly recordedBefore: Date;
  /** Read at most this many records (newest first). */
  readonly maxRecords: number;
  /** Page size asked of the API. */
  readonly pageSize?: number;
}

/** The recorded history cannot be read (API error, unexpected shape). */
export class RecordedSourceError extends StartupError {
  constructor(message: string) {
    super(message);
    this.name = 'RecordedSourceError';
  }
}

interface RecordedPrediction {
  readonly createdAtMs: number;
  readonly source: string;
  readonly digit: number;
  readonly input: Uint8Array;
  readonly feedbackLabel: number | null;
}

/** Reads the pinned snapshot of recorded predictions, newest first. */
export async function readRecordedPredictions(options: RecordedSourceOptions): Promise<RecordedPrediction[]> {
  const cutoffMs = options.recordedBefore.getTime();
  const pageSize = options.pageSize ?? 100;
  const records: RecordedPrediction[] = [];
  let cursor: string | null = null;
  do {
    const query = `/api/predictions?limit=${pageSize}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const response = await options.getJson(query);
    if (response.status !== 200 || response.body === null) {
      throw new RecordedSourceError(`GET ${query} answered ${response.status}${response.error ? ` (${response.error})` : ''}`);
    }
    const page = response.body as { items?: unknown; nextCursor?: unknown };
    if (!Array.isArray(page.items)) throw new RecordedSourceError(`GET ${query}: body has no "items" array`);
    for (const raw of page.items) {
      const record = parseRecord(raw);
      if (record.createdAtMs < cutoffMs && record.source !== REPLAY_SOURCE) records.push(record);
      if (records.length >= options.maxRecords) return records;
    }
    cursor = typeof page.nextCursor === 'string' ? page.nextCursor : null;
  } while (cursor !== null);
  return records;
}

/** Loads the recorded snapshot and encodes the items `wanted` selects. */
export async function loadRecordedSource(
  options: RecordedSourceOptions,
  wanted: (size: number) => readonly number[],
): Promise<LoadedSource> {
  const records = await readRecordedPredictions(options);
  const indices = wanted(records.length);
  const pngs = await encodeAll(
    records.map((r) => r.input),
    indices,
  );
  const items = new Map<number, ReplayItem>();
  for (const i of indices) {
    const record = records[i]!;
    items.set(i, {
      sourceIndex: i,
      body: pngs.get(i)!,
      contentType: 'image/png',
      label: record.feedbackLabel,
      recordedDigit: record.digit,
    });
  }
  return { size: records.length, items };
}

const REPLAY_SOURCE = 'replay';

function parseRecord(raw: unknown): RecordedPrediction {
  const r = raw as { createdAt?: unknown; digit?: unknown; input?: unknown; feedbackLabel?: unknown; id?: unknown; source?: unknown };
  const createdAtMs = typeof r.createdAt === 'string' ? Date.parse(r.createdAt) : Number.NaN;
  if (Number.isNaN(createdAtMs) || typeof r.digit !== 'number') {
    throw new RecordedSourceError(`recorded prediction ${String(r.id)} lacks createdAt or digit`);
  }
  return {
    createdAtMs,
    source: typeof r.source === 'string' ? r.source : 'unknown',
    digit: r.digit,
    input: parseInput(r.input, String(r.id)),
    feedbackLabel: typeof r.feedbackLabel === 'number' ? r.feedbackLabel : null,
  };
}

/** The API sends the 784 input bytes as base64 (an array of numbers, as older builds did, is accepted too). */
function parseInput(input: unknown, id: string): Uint8Array {
  let bytes: Uint8Array | null = null;
  if (Array.isArray(input) && input.every((v) => typeof v === 'number' && v >= 0 && v <= 255)) {
    bytes = Uint8Array.from(input as number[]);
  } else if (typeof input === 'string') {
    bytes = new Uint8Array(Buffer.from(input, 'base64'));
  }
  if (bytes === null || bytes.length !== IMAGE_PIXELS) {
    throw new RecordedSourceError(`recorded prediction ${id}: input is not ${IMAGE_PIXELS} values 0-255`);
  }
  return bytes;
}
