import type { AppMetrics } from '../metrics.js';

/** Store operations as they appear in the `store_errors_total` metric. */
export type StoreOperation = 'record' | 'get' | 'list' | 'feedback' | 'health';

/**
 * Runs a store call and counts its failure by operation and error code before rethrowing,
 * so the error middleware still decides the status (503 for UnavailableError, 400 for a
 * bad cursor) and the metric shows which operation is failing.
 */
export async function callStore<T>(metrics: AppMetrics, operation: StoreOperation, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    metrics.storeErrors.inc({ operation, code: typeof code === 'string' ? code : 'unknown' });
    throw error;
  }
}
