import type { InferenceBackendChoice } from '../config.js';
import type { Correction, ModelRegistry } from '../models/model-registry.js';
import type { PredictionStore } from '../store/prediction-store.js';

/**
 * What the lifecycle steps (retrain, gate, canary, promote) work with: the registry, the
 * predictions users made and corrected, and how to run a model. The CLI builds these from the
 * same configuration as `mnist serve`; tests pass in-memory ones.
 */

/** The part of the prediction store the lifecycle reads. */
export interface LifecycleStore extends Pick<PredictionStore, 'list'> {
  /** Every stored correction, oldest first. */
  corrections(): Promise<Correction[]>;
}

export interface LifecycleDeps {
  readonly registry: ModelRegistry;
  readonly store: LifecycleStore;
  /** The runtime the service uses, so a candidate is judged on what will serve it. */
  readonly inference: { readonly backend: InferenceBackendChoice; readonly cpuThreads: number };
  /** A line of progress for people (stderr in the CLI). */
  readonly log: (message: string) => void;
  /** The clock. @default () => new Date() */
  readonly now?: () => Date;
}

/** "93.41%": a share as people read it in decisions. */
export function percent(share: number | null): string {
  return share === null ? 'n/a' : `${(share * 100).toFixed(2)}%`;
}
