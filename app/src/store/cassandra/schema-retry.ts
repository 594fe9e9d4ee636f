import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { errorMessage } from '../../errors.js';

/**
 * Errors a node answers with while a schema change has not fully reached it: a table or
 * keyspace it does not know yet, or (seen on Cassandra 5.0 right after a node restarts and a
 * keyspace is dropped) "java.lang.IllegalArgumentException: Unknown CF <table id>" from the
 * coordinator. The driver's schema-agreement check reads the schema versions one node gossips,
 * which can agree a moment before every node has applied the change. The statement itself is
 * fine; asking again shortly after is.
 */
const PROPAGATION_PATTERNS = [/Unknown CF [0-9a-f-]{36}/, /unconfigured table/i, /Keyspace '?\w+'? does not exist/i];

export function isSchemaPropagationError(error: unknown): boolean {
  const message = errorMessage(error);
  return PROPAGATION_PATTERNS.some((pattern) => pattern.test(message));
}

export interface SchemaRetryOptions {
  /** Epoch ms after which the last error is thrown instead of retried. */
  readonly deadline: number;
  readonly logger: Logger;
  /** First pause between attempts, doubled each time up to 5 s. */
  readonly firstDelayMs?: number;
}

/**
 * Runs one bootstrap step, retrying it while it fails because the schema is still propagating.
 * Only for idempotent steps (CREATE ... IF NOT EXISTS, ALTER ... WITH, INSERT ... IF NOT
 * EXISTS, reads): a retry after an attempt that did apply must change nothing. Any other error,
 * or one past the deadline, is thrown as it is.
 */
export async function retryWhileSchemaPropagates<T>(what: string, step: () => Promise<T>, options: SchemaRetryOptions): Promise<T> {
  let delayMs = options.firstDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!isSchemaPropagationError(error) || Date.now() + delayMs > options.deadline) throw error;
      options.logger.warn({ step: what, attempt, reason: errorMessage(error) }, 'schema change not on every node yet; retrying');
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, 5_000);
    }
  }
}
