import { randomBytes } from 'node:crypto';

/**
 * Time-ordered unique ids (UUIDv7, RFC 9562): 48 bits of Unix milliseconds, then random bits.
 * Two predictions in the same millisecond get different ids (the original design keyed rows
 * by timestamp alone and silently overwrote them). Within one process, ids are strictly
 * increasing: a counter in the 12-bit rand_a field orders ids issued in the same millisecond.
 */
let lastMs = -1;
let sequence = 0;

/**
 * Ids issued one after another share the low LOCALITY_BITS of their last byte, LOCALITY_RUN ids
 * at a time, then the next value (round robin from a random start per process). The rest of the
 * bits stay random. Why: a store that partitions by those bits (the Cassandra layout's shard)
 * then finds the predictions answered together (one classifier batch, one group commit) in one
 * partition, and writes them as one mutation instead of one per row, while over many ids every
 * value, and so every partition, still gets an equal share.
 */
export const LOCALITY_BITS = 3;
export const LOCALITY_RUN = 16;
const LOCALITY_MASK = (1 << LOCALITY_BITS) - 1;
let issued = Math.floor(Math.random() * LOCALITY_RUN * (LOCALITY_MASK + 1));

export function newPredictionId(now: Date = new Date()): string {
  let ms = now.getTime();
  if (ms <= lastMs) {
    ms = lastMs;
    sequence += 1;
    if (sequence > 0xfff) {
      // 4096 ids in one millisecond: borrow the next millisecond rather than repeat.
      ms += 1;
      sequence = 0;
    }
  } else {
    sequence = 0;
  }
  lastMs = ms;
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | ((sequence >> 8) & 0x0f);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  bytes[15] = (bytes[15]! & ~LOCALITY_MASK) | (Math.floor(issued / LOCALITY_RUN) & LOCALITY_MASK);
  issued = (issued + 1) % (LOCALITY_RUN * (LOCALITY_MASK + 1));
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The creation time encoded in a UUIDv7, or null if the string is not one. */
export function timeOfPredictionId(id: string): Date | null {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)) return null;
  return new Date(parseInt(id.slice(0, 8) + id.slice(9, 13), 16));
}
