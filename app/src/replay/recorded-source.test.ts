import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { JsonResponse } from './http-client.js';
import { loadRecordedSource, readRecordedPredictions } from './recorded-source.js';

const BASE_MS = Date.UTC(2026, 0, 5, 12, 0, 0);

/** 25 recorded predictions, newest first, served 10 per page like GET /api/predictions. */
function fakeHistory(): (pathAndQuery: string) => Promise<JsonResponse> {
  const items = Array.from({ length: 25 }, (_, i) => {
    const n = 24 - i;
    return {
      id: `r-${n}`,
      createdAt: new Date(BASE_MS + n * 1000).toISOString(),
      digit: n % 10,
      input: Array.from({ length: 784 }, (_, p) => (p === n ? 255 : 0)),
      feedbackLabel: n % 5 === 0 ? (n + 1) % 10 : null,
      source: n === 3 ? 'replay' : 'canvas',
    };
  });
  return async (pathAndQuery) => {
    const url = new URL(pathAndQuery, 'http://x');
    expect(url.pathname).toBe('/api/predictions');
    const start = Number(url.searchParams.get('cursor') ?? 0);
    const limit = Number(url.searchParams.get('limit'));
    const end = Math.min(items.length, start + limit);
    return { status: 200, body: { items: items.slice(start, end), nextCursor: end < items.length ? String(end) : null } };
  };
}

describe('recorded source', () => {
  it('pages through the history and keeps only predictions made before the cut-off', async () => {
    const records = await readRecordedPredictions({
      getJson: fakeHistory(),
      recordedBefore: new Date(BASE_MS + 20_000),
      maxRecords: 100,
      pageSize: 10,
    });
    // r-0 .. r-19 are before the cut-off, r-3 was made by a replay; newest first.
    expect(records).toHaveLength(19);
    expect(records[0]!.digit).toBe(9);
    expect(records.at(-1)!.digit).toBe(0);
  });

  it('stops reading at maxRecords', async () => {
    const records = await readRecordedPredictions({ getJson: fakeHistory(), recordedBefore: new Date(BASE_MS + 60_000), maxRecords: 12, pageSize: 10 });
    expect(records).toHaveLength(12);
  });

  it('turns records into 28x28 PNG items carrying the recorded answer and the feedback label', async () => {
    const source = await loadRecordedSource(
      { getJson: fakeHistory(), recordedBefore: new Date(BASE_MS + 60_000), maxRecords: 100, pageSize: 7 },
      (size) => [0, size - 1],
    );
    expect(source.size).toBe(24);
    const newest = source.items.get(0)!;
    expect(newest).toMatchObject({ recordedDigit: 4, label: null, contentType: 'image/png' });
    expect(source.items.get(23)).toMatchObject({ recordedDigit: 0, label: 1 });
    const meta = await sharp(newest.body).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 28, 28, 1]);
    const data = await sharp(newest.body).toColourspace('b-w').raw().toBuffer();
    expect(data[24]).toBe(255);
    expect(data.reduce((sum, v) => sum + v, 0)).toBe(255);
  });

  it('fails with the API status when the history cannot be read', async () => {
    await expect(
      readRecordedPredictions({ getJson: async () => ({ status: 503, body: null }), recordedBefore: new Date(), maxRecords: 5 }),
    ).rejects.toThrow(/answered 503/);
  });
});
