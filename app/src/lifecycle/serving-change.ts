import type { ModelRegistry, ServingState } from '../models/model-registry.js';

/**
 * Every change of the serving state goes through here: read it, decide the next state from
 * what is there now, compare-and-set; when another writer got there first, read again and
 * decide again (their change may make ours moot, or different).
 */

export type ServingChange = Omit<ServingState, 'revision' | 'updatedAt'>;

/** Several writers kept changing the serving state between our read and our write. */
export class ServingConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServingConflictError';
  }
}

/** Read-decide-write attempts before giving up. */
const MAX_ATTEMPTS = 20;

/**
 * Applies `decide(current)` by compare-and-set, retrying on conflict. `decide` returns the next
 * state, or null when there is nothing to change; it may throw to refuse (e.g. another canary
 * runs). Resolves to the state after the change (or the current one when nothing changed).
 */
export async function changeServing(registry: ModelRegistry, decide: (current: ServingState | null) => ServingChange | null): Promise<ServingState | null> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await registry.serving();
    const next = decide(current);
    if (next === null) return current;
    if (await registry.setServing(next, current?.revision ?? 0)) return registry.serving();
  }
  throw new ServingConflictError(`the serving state changed under us ${MAX_ATTEMPTS} times in a row; try again`);
}
