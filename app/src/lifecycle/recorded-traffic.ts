import { MAX_STORE_PAGE } from '../store/history-page.js';
import type { LifecycleStore } from './lifecycle-deps.js';

/**
 * Recorded traffic for the agreement gate: the 28x28 inputs of the most recent stored
 * predictions that people made (not replays) and did not correct. On those the active version
 * was right as far as anyone knows, so a candidate that answers differently there is a change
 * users would notice.
 */

export interface RecordedInputs {
  readonly inputs: readonly Uint8Array[];
  /** Stored predictions read (newest first) to find them. */
  readonly scanned: number;
}

/** Up to `max` uncorrected, non-replay inputs among the newest `max` stored predictions. */
export async function readRecordedInputs(store: Pick<LifecycleStore, 'list'>, max: number): Promise<RecordedInputs> {
  const inputs: Uint8Array[] = [];
  let scanned = 0;
  let cursor: string | undefined;
  while (scanned < max) {
    const page = await store.list({ limit: Math.min(MAX_STORE_PAGE, max - scanned), cursor });
    for (const record of page.items) {
      scanned += 1;
      const corrected = record.feedbackLabel !== null && record.feedbackLabel !== record.digit;
      if (record.source !== 'replay' && !corrected) inputs.push(record.input);
    }
    if (page.nextCursor === null || page.items.length === 0) break;
    cursor = page.nextCursor;
  }
  return { inputs, scanned };
}
