/**
 * Reads what the service says about itself during a run: the classifier's batch sizes from
 * /metrics (Prometheus text: the histogram's _sum and _count) and the backend from /readyz.
 * A target without these endpoints (the bare Koa ceiling) simply yields nulls.
 */

export interface BatchCounters {
  readonly batches: number;
  readonly images: number;
}

/** Sums every series of `<name>_sum` and `<name>_count` in a Prometheus text exposition. */
export function parseHistogramTotals(text: string, name: string): BatchCounters | null {
  let sum: number | null = null;
  let count: number | null = null;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+([-+\d.eE]+|NaN)/.exec(line);
    if (match === null) continue;
    if (match[1] === `${name}_sum`) sum = (sum ?? 0) + Number(match[3]);
    if (match[1] === `${name}_count`) count = (count ?? 0) + Number(match[3]);
  }
  return sum === null || count === null ? null : { batches: count, images: sum };
}

/** Classifier batch counters now, or null when the target has no such metric. */
export async function readBatchCounters(baseUrl: string): Promise<BatchCounters | null> {
  try {
    const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await response.text();
    return response.status === 200 ? parseHistogramTotals(text, 'classifier_batch_size') : null;
  } catch {
    return null;
  }
}

/** Mean batch size between two readings (null when unknown or no batch ran). */
export function meanBatchSize(before: BatchCounters | null, after: BatchCounters | null): number | null {
  if (before === null || after === null || after.batches === before.batches) return null;
  return Math.round(((after.images - before.images) / (after.batches - before.batches)) * 100) / 100;
}

/** What /readyz says the classifier runs on, e.g. { backend: 'wasm', modelVersion: '...' }. */
export async function readReadiness(baseUrl: string): Promise<Record<string, unknown> | null> {
  try {
    const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(5000) });
    return (await response.json()) as Record<string, unknown>;
  } catch {
    return null;
  }
}
