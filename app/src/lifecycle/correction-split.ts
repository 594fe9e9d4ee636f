import { createHash } from 'node:crypto';
import type { Correction } from '../models/model-registry.js';

/**
 * Which corrections a retrain learns from and which it is judged on: one in five is held out,
 * chosen by a hash of the prediction's id. The choice depends on the id alone, so a correction
 * stays on its side across retrains, replicas and runs, and a candidate is never judged on a
 * drawing it was trained on.
 */

/** One correction in HELD_OUT_MODULUS is held out (hash(id) % 5 == 0). */
export const HELD_OUT_MODULUS = 5;

/** True when the correction with this prediction id belongs to the held-out side. */
export function isHeldOut(id: string): boolean {
  const digest = createHash('sha256').update(id, 'utf8').digest();
  return digest.readUInt32BE(0) % HELD_OUT_MODULUS === 0;
}

export interface CorrectionSplit {
  readonly train: readonly Correction[];
  readonly heldOut: readonly Correction[];
}

/** Splits corrections by the hash of their id, keeping their order on each side. */
export function splitCorrections(corrections: readonly Correction[]): CorrectionSplit {
  const train: Correction[] = [];
  const heldOut: Correction[] = [];
  for (const correction of corrections) (isHeldOut(correction.id) ? heldOut : train).push(correction);
  return { train, heldOut };
}
