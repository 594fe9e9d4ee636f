import { InvalidRequestError } from '../errors.js';
import { timeOfPredictionId } from './ids.js';

/**
 * What every PredictionStore shares about history pages: the largest page it serves and the
 * opaque cursor ("older than this id"). Each store has its own cursor prefix, so a cursor
 * from one store is refused by another instead of being misread.
 */

/** Largest history page a store serves (the HTTP API allows less). */
export const MAX_STORE_PAGE = 1000;
const MAX_CURSOR_CHARS = 128;

/** InvalidRequestError (400) unless 1 <= limit <= MAX_STORE_PAGE. */
export function checkPageLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_STORE_PAGE) {
    throw new InvalidRequestError(`limit must be an integer from 1 to ${MAX_STORE_PAGE}`);
  }
}

export interface CursorCodec {
  /** Cursor for "the page after the record with this id": versioned and base64url-wrapped. */
  encode(lastId: string): string;
  /** The id inside a cursor; InvalidRequestError (400) for anything this store did not issue. */
  decode(cursor: string): string;
}

/** A cursor codec whose cursors carry `prefix` (e.g. "e1:"): a store name and a format version. */
export function createCursorCodec(prefix: string): CursorCodec {
  return {
    encode: (lastId) => Buffer.from(`${prefix}${lastId}`, 'utf8').toString('base64url'),
    decode: (cursor) => {
      if (cursor.length === 0 || cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
        throw new InvalidRequestError('cursor is malformed');
      }
      const text = Buffer.from(cursor, 'base64url').toString('utf8');
      const id = text.startsWith(prefix) ? text.slice(prefix.length) : '';
      if (timeOfPredictionId(id) === null) throw new InvalidRequestError('cursor is malformed');
      return id;
    },
  };
}
