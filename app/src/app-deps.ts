import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Classifier } from './inference/classifier-types.js';
import type { AppMetrics } from './metrics.js';
import type { ModelRegistry } from './models/model-registry.js';
import type { PreprocessedDigit, PreprocessLimits } from './preprocess/preprocess.js';
import type { PredictionStore } from './store/prediction-store.js';
import type { ServingView } from './serving/model-serving.js';

/**
 * What the HTTP app is built from: the contract between the composition root (main.ts, or a
 * test) that creates these, and server.ts and the routes that use them. Its own module so that
 * the routes need not import server.ts, which imports the routes.
 */

/** Turns uploaded bytes into the model's input; throws the named 4xx errors for bad images. */
export type Preprocess = (bytes: Buffer, limits: PreprocessLimits) => Promise<PreprocessedDigit>;

/** Everything the app needs, created by the composition root (main.ts) or by a test. */
export interface AppDeps {
  readonly config: Config;
  readonly store: PredictionStore;
  /** Model versions, serving state, decisions, live stats: in the same database as the store. */
  readonly registry: ModelRegistry;
  readonly classifier: Classifier;
  /**
   * Which versions serve (active, canary) and each model call, when the classifier follows the
   * registry (main.ts); absent with a single fixed classifier (tests).
   */
  readonly serving?: ServingView;
  readonly preprocess: Preprocess;
  readonly logger: Logger;
  readonly metrics: AppMetrics;
}
