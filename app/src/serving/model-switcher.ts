import type { Logger } from 'pino';
import { errorSummary, StartupError } from '../errors.js';
import type { Classifier } from '../inference/classifier-types.js';
import type { ModelRegistry, ServingState } from '../models/model-registry.js';
import { cacheModelVersion } from './model-cache.js';
import { pruneModelCache } from './model-cache-prune.js';
import { ModelRouter, type Routing } from './model-router.js';
import { ServedModel } from './served-model.js';

/**
 * Follows the registry's serving state: polls it, and on a change fetches the versions it
 * names into the cache, loads them, and switches the router to them in one step. Until a
 * version loads, the previous one keeps serving: a bad or unreachable model never takes
 * traffic, and the load is tried again (with a growing pause) on later polls.
 */

/** Loads the model in a directory, with the service's settings (main.ts: loadClassifier). */
export type ClassifierLoader = (modelDir: string) => Promise<Classifier>;

/** The longest pause before loading a version that failed to load is tried again. */
export const MAX_RETRY_PAUSE_MS = 60_000;

export interface ModelSwitcherOptions {
  readonly registry: ModelRegistry;
  readonly load: ClassifierLoader;
  readonly cacheDir: string;
  readonly pollMs: number;
  readonly logger: Logger;
  /** For tests: the draw that decides canary or active. @default Math.random */
  readonly random?: () => number;
  /** For tests: the clock the pause after a failed load is measured on. @default Date.now */
  readonly now?: () => number;
}

/** What this replica serves, and what the registry wants it to (the same, unless a load failed). */
export interface ServingStatus {
  readonly active: string;
  readonly canary: { readonly version: string; readonly weight: number } | null;
  /** The serving revision applied here. */
  readonly revision: number;
  /** The latest revision read from the registry. */
  readonly wantedRevision: number;
  /** Why the wanted state is not (all) applied: the last load error, or null. */
  readonly pending: string | null;
}

interface LoadFailure {
  readonly failures: number;
  readonly retryAtMs: number;
  readonly message: string;
}

function routingMatches(routing: Routing, wanted: ServingState): boolean {
  const canary = routing.canary === null ? null : { version: routing.canary.model.version, weight: routing.canary.weight };
  return routing.active.version === wanted.active && JSON.stringify(canary) === JSON.stringify(wanted.canary);
}

export class ModelSwitcher {
  private wantedRevision: number;
  private pending: string | null = null;
  private readonly failures = new Map<string, LoadFailure>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();
  private stopped = false;
  private lastPollError: string | null = null;

  private constructor(private readonly options: ModelSwitcherOptions, readonly router: ModelRouter, wanted: ServingState) {
    this.wantedRevision = wanted.revision;
  }

  /**
   * Loads what the registry serves and starts polling. Throws StartupError when nothing is
   * active or the active version cannot be loaded; a canary that cannot is skipped (and retried).
   */
  static async start(options: ModelSwitcherOptions): Promise<ModelSwitcher> {
    const wanted = await options.registry.serving();
    if (wanted === null) throw new StartupError('the model registry has no active version (an empty registry is seeded on start)');
    let active: ServedModel;
    try {
      active = await loadServedModel(options, wanted.active);
    } catch (error) {
      throw new StartupError(`cannot load the active model version ${wanted.active}: ${errorSummary(error)}`, { cause: error });
    }
    const first = new ModelSwitcher(options, new ModelRouter({ active, canary: null, revision: wanted.revision }, { recognise: active.classifier.recognise !== undefined, random: options.random, loadPinned: (version) => loadServedModel(options, version) }), wanted);
    await first.apply(wanted);
    first.schedule();
    return first;
  }

  status(): ServingStatus {
    const { active, canary, revision } = this.router.routing;
    return { active: active.version, canary: canary && { version: canary.model.version, weight: canary.weight }, revision, wantedRevision: this.wantedRevision, pending: this.pending };
  }

  /** Reads the serving state once and applies it (the poll; tests call it to skip the wait). */
  refresh(): Promise<void> {
    // A poll that fails in an unforeseen way is logged; it must not stop the polls after it.
    this.polling = this.polling.then(() => this.poll()).catch((error: unknown) => this.options.logger.error({ err: error }, 'model serving poll failed'));
    return this.polling;
  }

  /** Stops polling and waits for a load in progress; the models keep serving until router.dispose(). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.refresh().finally(() => this.schedule()), this.options.pollMs);
    // Never the reason the process stays up: the server is.
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    let wanted: ServingState | null;
    try {
      wanted = await this.options.registry.serving();
    } catch (error) {
      // Keep serving what is loaded; say so once per distinct error, not on every poll.
      const message = errorSummary(error);
      if (message !== this.lastPollError) this.options.logger.warn({ err: error }, 'model registry unreachable: serving what is loaded');
      this.lastPollError = message;
      return;
    }
    if (this.lastPollError !== null) this.options.logger.info('model registry reachable again');
    this.lastPollError = null;
    if (wanted !== null) await this.apply(wanted);
  }

  /** The model for `version`: the one already serving it, else freshly loaded (throws, or skips while pausing after a failure). */
  private async obtain(version: string): Promise<ServedModel> {
    const { active, canary } = this.router.routing;
    for (const model of [active, canary?.model]) if (model?.version === version) return model;
    const pinned = this.router.takePinned(version);
    if (pinned !== undefined) return pinned;
    const failure = this.failures.get(version);
    const now = this.options.now ?? Date.now;
    if (failure !== undefined && now() < failure.retryAtMs) throw new Error(failure.message);
    try {
      const model = await loadServedModel(this.options, version);
      this.failures.delete(version);
      return model;
    } catch (error) {
      const failures = (failure?.failures ?? 0) + 1;
      const pauseMs = Math.min(MAX_RETRY_PAUSE_MS, this.options.pollMs * 2 ** (failures - 1));
      this.failures.set(version, { failures, retryAtMs: now() + pauseMs, message: `loading ${version} failed: ${errorSummary(error)}` });
      this.options.logger.error({ err: error, version, failures, retryInMs: pauseMs }, 'model version failed to load: the previous one keeps serving');
      throw error;
    }
  }

  private async apply(wanted: ServingState): Promise<void> {
    this.wantedRevision = wanted.revision;
    const routing = this.router.routing;
    if (routingMatches(routing, wanted)) {
      if (routing.revision !== wanted.revision) this.router.switchTo({ ...routing, revision: wanted.revision });
      this.pending = null;
      return;
    }
    let active: ServedModel;
    try {
      active = await this.obtain(wanted.active);
    } catch (error) {
      this.pending = errorSummary(error);
      return;
    }
    let canary: Routing['canary'] = null;
    this.pending = null;
    if (wanted.canary !== null) {
      try {
        canary = { model: await this.obtain(wanted.canary.version), weight: wanted.canary.weight };
      } catch (error) {
        // The new active serves alone rather than not at all; the canary is retried.
        this.pending = errorSummary(error);
      }
    }
    const loaded = [active, canary?.model].filter((m): m is ServedModel => m !== undefined);
    if (this.stopped) {
      await Promise.all(loaded.filter((m) => m !== routing.active && m !== routing.canary?.model).map((m) => m.dispose()));
      return;
    }
    const unchanged = active === routing.active && canary?.model === routing.canary?.model && canary?.weight === routing.canary?.weight;
    if (unchanged && routing.revision === wanted.revision) return;
    this.router.switchTo({ active, canary, revision: wanted.revision });
    this.options.logger.info({ active: active.version, canary: canary && { version: canary.model.version, weight: canary.weight }, revision: wanted.revision, previous: { active: routing.active.version, canary: routing.canary?.model.version ?? null } }, 'model serving switched');
    await this.prune(new Set(loaded.map((m) => m.version)));
  }

  /** Deletes cached versions no longer needed; a failure to is logged, never fatal. */
  private async prune(keep: ReadonlySet<string>): Promise<void> {
    try {
      const removed = await pruneModelCache(this.options.cacheDir, { keep });
      if (removed.length > 0) this.options.logger.info({ removed }, 'model cache pruned');
    } catch (error) {
      this.options.logger.warn({ err: error }, 'pruning the model cache failed');
    }
  }
}

async function loadServedModel(options: ModelSwitcherOptions, version: string): Promise<ServedModel> {
  const dir = await cacheModelVersion(options.registry, version, options.cacheDir);
  const classifier = await options.load(dir);
  return new ServedModel(version, classifier, (v, error) => options.logger.error({ err: error, version: v }, 'disposing a retired model failed'));
}
