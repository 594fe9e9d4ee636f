import type { DecisionKind, ModelRegistry } from '../models/model-registry.js';

/** Decisions after which a version is no longer a candidate waiting to be judged. */
const SETTLED: readonly DecisionKind[] = ['gate-rejected', 'rolled-back', 'promoted', 'activated'];

/**
 * The version `mnist gate` / `mnist canary` judge when none is named: the newest one that is
 * not active and was never rejected, rolled back, promoted or activated (usually the last retrain).
 */
export async function newestCandidate(registry: ModelRegistry): Promise<string> {
  const [versions, serving] = await Promise.all([registry.list(), registry.serving()]);
  for (const card of versions) {
    if (card.version === serving?.active) continue;
    const decisions = await registry.decisions(card.version);
    if (!decisions.some((d) => SETTLED.includes(d.kind))) return card.version;
  }
  throw new Error('no candidate waiting in the registry: run "mnist retrain" first, or name a version');
}
