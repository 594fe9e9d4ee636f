import { InvalidRequestError } from '../errors.js';
import { timeOfPredictionId } from './ids.js';

/**
 * The embedded store's history cursor: "older than this id", versioned and base64url-encoded
 * so clients treat it as opaque and we can change what is inside.
 */
const PREFIX = 'e1:';
const MAX_CURSOR_CHARS = 128;

/** Cursor for "the page after the record with this id". */
export function encodeCursor(lastId: string): string {
  return Buffer.from(`${PREFIX}${lastId}`, 'utf8').toString('base64url');
}

/** The id inside a cursor; InvalidRequestError (400) for anything we did not issue. */
export function decodeCursor(cursor: string): string {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidRequestError('cursor is malformed');
  }
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  if (timeOfPredictionId(id) === null) throw new InvalidRequestError('cursor is malformed');
  return id;
}
