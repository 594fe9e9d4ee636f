import type { Condition } from './digit-model.js';

/**
 * Status conditions the Kubernetes way (as apimachinery's meta.SetStatusCondition): one entry
 * per type; lastTransitionTime moves only when the status flips, so it says since when a thing
 * has been true, not when the controller last looked.
 *
 *  - Progressing: a lifecycle Job of this generation is running (reason: Retraining, Canary,
 *    Promoting), or not any more (reason: the final phase).
 *  - Retrained: the retrain published a candidate (CandidatePublished) or failed.
 *  - Ready: the version this spec asks for serves (Promoted), or why not (GateRejected,
 *    RolledBack, a failed Job).
 */
export type ConditionType = 'Progressing' | 'Retrained' | 'Ready';

export interface ConditionChange {
  readonly type: ConditionType;
  readonly status: boolean;
  readonly reason: string;
  readonly message: string;
}

/** The conditions with `change` applied for `generation` at `now`; others are kept as they are. */
export function setCondition(conditions: readonly Condition[], change: ConditionChange, generation: number, now: Date): Condition[] {
  const status = change.status ? 'True' : 'False';
  const previous = conditions.find((c) => c.type === change.type);
  const next: Condition = {
    type: change.type,
    status,
    reason: change.reason,
    message: change.message,
    lastTransitionTime: previous !== undefined && previous.status === status ? previous.lastTransitionTime : now.toISOString(),
    observedGeneration: generation,
  };
  const others = conditions.filter((c) => c.type !== change.type);
  return [...others, next].sort((a, b) => ORDER.indexOf(a.type) - ORDER.indexOf(b.type));
}

/** Applies several changes in order. */
export function setConditions(conditions: readonly Condition[], changes: readonly ConditionChange[], generation: number, now: Date): Condition[] {
  return changes.reduce<Condition[]>((all, change) => setCondition(all, change, generation, now), [...conditions]);
}

const ORDER: readonly string[] = ['Ready', 'Progressing', 'Retrained'];
