/**
 * A bound on the request bodies held in memory at once. Each upload may be up to
 * MAX_BODY_BYTES, and every one is buffered whole (it is decoded from memory): 64 clients
 * sending 5 MiB at once would hold 320 MiB. Each upload reserves its declared length (or the
 * per-request maximum when it is chunked) before a byte is read, and gives it back when its
 * response is done; an upload that does not fit is refused with 503, which a client may retry.
 */
import { UnavailableError } from '../errors.js';

export interface BodyBudget {
  /**
   * Reserves `bytes`; the returned function gives them back (calling it again does nothing).
   * @throws UnavailableError (503) when the reservation does not fit
   */
  reserve(bytes: number): () => void;
  /** Bytes reserved now. */
  readonly reservedBytes: number;
}

export function createBodyBudget(maxBytes: number): BodyBudget {
  let reserved = 0;
  return {
    get reservedBytes() {
      return reserved;
    },
    reserve(bytes: number): () => void {
      if (reserved + bytes > maxBytes) {
        throw new UnavailableError('too many uploads are in progress: retry shortly');
      }
      reserved += bytes;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        reserved -= bytes;
      };
    },
  };
}
