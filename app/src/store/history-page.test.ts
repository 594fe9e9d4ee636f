import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../errors.js';
import { checkPageLimit, createCursorCodec, MAX_STORE_PAGE } from './history-page.js';
import { newPredictionId } from './ids.js';

describe('history pages', () => {
  it('round-trips an id through an opaque cursor', () => {
    const codec = createCursorCodec('e1:');
    const id = newPredictionId();
    const cursor = codec.encode(id);
    expect(cursor).not.toContain(id);
    expect(codec.decode(cursor)).toBe(id);
  });

  it("refuses another store's cursor instead of misreading it", () => {
    const id = newPredictionId();
    const fromCassandra = createCursorCodec('c1:').encode(id);
    expect(() => createCursorCodec('e1:').decode(fromCassandra)).toThrow(InvalidRequestError);
  });

  it('refuses cursors that are empty, too long, not base64url or not wrapping a prediction id', () => {
    const codec = createCursorCodec('e1:');
    for (const bad of ['', 'x'.repeat(500), 'a/b', Buffer.from('e1:not-an-id').toString('base64url')]) {
      expect(() => codec.decode(bad), bad).toThrow(InvalidRequestError);
    }
  });

  it(`accepts page sizes from 1 to ${MAX_STORE_PAGE} only`, () => {
    expect(() => checkPageLimit(1)).not.toThrow();
    expect(() => checkPageLimit(MAX_STORE_PAGE)).not.toThrow();
    for (const bad of [0, MAX_STORE_PAGE + 1, 1.5, Number.NaN]) expect(() => checkPageLimit(bad)).toThrow(InvalidRequestError);
  });
});
