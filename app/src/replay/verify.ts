import type { JsonResponse } from './http-client.js';

/**
 * Records lost: after the run, every prediction the service acknowledged with 201 is read back
 * by id (GET /api/predictions/:id). A 404 is a lost record: the service said "saved" and the
 * store does not have it. Other failures (5xx, network) are counted apart: they say nothing
 * about the record, only that the check could not be made.
 */

export interface VerifyResult {
  readonly checked: number;
  readonly lost: number;
  /** Read-backs that failed for another reason than 404. */
  readonly errors: number;
  /** The first lost ids (at most 20), for the person reading the report. */
  readonly lostIds: readonly string[];
}

export type ReadBack = (id: string) => Promise<'found' | 'missing' | 'error'>;

const MAX_LISTED_LOST = 20;

/** A ReadBack over the service API: 200 with the same id is found, 404 is missing. */
export function readBackThroughApi(getJson: (pathAndQuery: string) => Promise<JsonResponse>): ReadBack {
  return async (id) => {
    const response = await getJson(`/api/predictions/${encodeURIComponent(id)}`);
    if (response.status === 404) return 'missing';
    if (response.status !== 200) return 'error';
    return (response.body as { id?: unknown } | null)?.id === id ? 'found' : 'missing';
  };
}

/** Reads every id back with `concurrency` requests in flight. */
export async function verifyRecords(ids: readonly string[], readBack: ReadBack, concurrency: number): Promise<VerifyResult> {
  let next = 0;
  let lost = 0;
  let errors = 0;
  const lostIds: string[] = [];

  async function runChecker(): Promise<void> {
    while (next < ids.length) {
      const id = ids[next++]!;
      const state = await readBack(id);
      if (state === 'missing') {
        lost += 1;
        if (lostIds.length < MAX_LISTED_LOST) lostIds.push(id);
      } else if (state === 'error') {
        errors += 1;
      }
    }
  }

  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, ids.length)) }, () => runChecker()));
  return { checked: ids.length, lost, errors, lostIds };
}
