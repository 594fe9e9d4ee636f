/**
 * Model versions, where every replica can read them: the versions' cards and files (chunked
 * blobs in Cassandra in the cluster, rows in the embedded SQLite file locally), which version
 * serves (and which one is the canary, with its share), the decisions taken about them, and
 * the live figures each replica reports per version. Plain objects in, plain objects out; no
 * HTTP or Kubernetes types here. Implementations: embedded-registry.ts, cassandra/model-registry.ts.
 */

/** The files of one version, by name: model.onnx, model.json, weights.bin, model-card.json. */
export type ModelFiles = ReadonlyMap<string, Uint8Array>;

/** What a version was trained from. */
export interface TrainingData {
  /** MNIST training examples used (60,000 for a full run; fewer when fine-tuning on a sample). */
  readonly mnistExamples: number;
  /** Stored corrections trained on (inputs + the users' labels). */
  readonly corrections: number;
  /** Corrections held out by the hash of their id, for the gate. */
  readonly heldOutCorrections: number;
}

/** The card of one version: who it descends from, on what it was trained, how well it does. */
export interface ModelVersionCard {
  /** e.g. "2026-11-25-cnn-e15-s42" (the committed model) or "2026-12-04-ft-a1b2c3" (a retrain). */
  readonly version: string;
  /** The version it was fine-tuned from; null for a model trained from scratch. */
  readonly parent: string | null;
  readonly createdAt: string;
  readonly data: TrainingData;
  readonly seed: number;
  readonly epochs: number;
  /** Accuracy on the 10,000 MNIST test images, 0..1. */
  readonly mnistTestAccuracy: number;
  /** Accuracy on the held-out corrections, 0..1; null when there were none. */
  readonly heldOutCorrectionAccuracy: number | null;
  /** SHA-256 of each file, hex, by file name: checked when the files are read back. */
  readonly files: Readonly<Record<string, string>>;
  /** Anything else the trainer reports (architecture, timings, the training card). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Which version serves, and the canary beside it. Changed only by compare-and-set. */
export interface ServingState {
  readonly active: string;
  /** The candidate taking `weight` (0 < weight < 1) of live predictions, or null. */
  readonly canary: { readonly version: string; readonly weight: number } | null;
  /** Increases by one on every change; the compare-and-set token. */
  readonly revision: number;
  readonly updatedAt: Date;
  /** Who changed it and why, e.g. "promote 2026-12-04-ft-a1b2c3: gates passed". */
  readonly reason: string;
}

export const DECISION_KINDS = ['published', 'gate-passed', 'gate-rejected', 'canary-started', 'promoted', 'rolled-back', 'activated'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

/** One decision about a version, with the figures it was taken on. */
export interface ModelDecision {
  readonly at: Date;
  readonly version: string;
  readonly kind: DecisionKind;
  /** A sentence for people, e.g. "MNIST accuracy 99.41% < 99.40% required". */
  readonly reason: string;
  readonly figures: Readonly<Record<string, number | string | boolean | null>>;
}

/** What one replica saw of one version over one reporting interval. */
export interface LiveStats {
  readonly replica: string;
  readonly version: string;
  readonly at: Date;
  readonly predictions: number;
  /** Predictions the model could not answer (the request was then answered by the active version). */
  readonly failures: number;
  /** Latency of the model call (preprocess + inference) in ms, over the interval. */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface ModelRegistry {
  /**
   * Stores a version's card and files. Idempotent: publishing the same version with the same
   * files again is a no-op (resolves false); with different files it throws ModelConflictError.
   * Resolves true when this call stored it. Throws ModelRegistryError when the files do not
   * match the card (names, SHA-256s) or a name is unsafe as a path (versions and file names
   * become directories and files in each replica's model cache).
   */
  publish(card: ModelVersionCard, files: ModelFiles): Promise<boolean>;
  /** Every version, newest first. */
  list(): Promise<ModelVersionCard[]>;
  get(version: string): Promise<ModelVersionCard | null>;
  /**
   * The version's files, checked against the card's SHA-256s. Throws ModelNotFoundError for an
   * unknown version, ModelIntegrityError when a file is missing or corrupt.
   */
  files(version: string): Promise<ModelFiles>;
  /** The serving state, or null before the first activation. */
  serving(): Promise<ServingState | null>;
  /**
   * Sets the serving state if its revision is still `expectedRevision` (0: none yet).
   * Returns false when another writer got there first (the caller re-reads and decides again).
   * Throws ModelNotFoundError when `active` or the canary was never published, and
   * ModelRegistryError for a canary weight outside (0, 1) or a canary that is the active version.
   */
  setServing(next: Omit<ServingState, 'revision' | 'updatedAt'>, expectedRevision: number): Promise<boolean>;
  recordDecision(decision: ModelDecision): Promise<void>;
  /** Decisions, newest first; only those about `version` when given. */
  decisions(version?: string): Promise<ModelDecision[]>;
  reportLive(stats: LiveStats): Promise<void>;
  /** Live stats of `version` reported at or after `since`, oldest first. Kept for a day. */
  liveStats(version: string, since: Date): Promise<LiveStats[]>;
  /**
   * Releases what the registry holds. The Cassandra registry shares the prediction store's
   * client, which the store's close() shuts down: close the registry first.
   */
  close(): Promise<void>;
}

/** Corrections are read by the prediction store (PredictionStore.corrections()); named here too. */
export type { Correction } from '../store/prediction-store.js';

/** A request the registry refuses: unsafe names, files that do not match their card, a bad canary. */
export class ModelRegistryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The version (or one named by a serving change) was never published. */
export class ModelNotFoundError extends ModelRegistryError {}

/** The version is already published with different files: versions are immutable. */
export class ModelConflictError extends ModelRegistryError {}

/** A file is missing or its bytes no longer match the card's SHA-256 (a torn write, a corrupt store). */
export class ModelIntegrityError extends ModelRegistryError {}
