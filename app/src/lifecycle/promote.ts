import type { ServingState } from '../models/model-registry.js';
import type { LifecycleDeps } from './lifecycle-deps.js';
import { changeServing } from './serving-change.js';

/**
 * Making a version active by hand (`mnist promote VERSION`, `make promote VERSION=`): set it
 * active by compare-and-set, clearing any canary, and record the decision "activated".
 */

export interface PromoteResult {
  readonly version: string;
  /** The version active before (null when none was). */
  readonly previous: string | null;
  /** False when it was already active with no canary. */
  readonly changed: boolean;
  readonly state: ServingState;
}

export async function promote(deps: LifecycleDeps, version: string, why = 'promoted by hand'): Promise<PromoteResult> {
  if ((await deps.registry.get(version)) === null) throw new Error(`no model version "${version}" in the registry`);
  let previous: string | null = null;
  let changed = false;
  const state = await changeServing(deps.registry, (current) => {
    previous = current?.active ?? null;
    changed = !(current?.active === version && current.canary === null);
    return changed ? { active: version, canary: null, reason: `activate ${version}: ${why}` } : null;
  });
  if (state === null) throw new Error('the serving state vanished after it was set');
  if (changed) {
    await deps.registry.recordDecision({
      at: deps.now?.() ?? new Date(),
      version,
      kind: 'activated',
      reason: `${why}; was ${previous ?? 'none'}`,
      figures: { previous, revision: state.revision },
    });
  }
  deps.log(changed ? `${version} is active (was ${previous ?? 'none'}), revision ${state.revision}` : `${version} was already active`);
  return { version, previous, changed, state };
}
