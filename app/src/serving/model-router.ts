import { performance } from 'node:perf_hooks';
import { AppError, UnavailableError, UnknownModelVersionError } from '../errors.js';
import type { DigitPixels } from '../mnist/geometry.js';
import type { PreprocessLimits } from '../preprocess/preprocess.js';
import type { Classification, Classifier, ClassifierHealth, Recognition } from '../inference/classifier-types.js';
import { ModelNotFoundError } from '../models/model-registry.js';
import { PinnedModels, type PinnedLoader } from './pinned-models.js';
import type { ServedModel } from './served-model.js';

/**
 * The Classifier the routes see while versions come and go: each request goes to the active
 * version, or to the canary with probability `weight`, and its answer names the version that
 * gave it. A switch replaces the routing in one step; requests already running keep the model
 * they started on (ServedModel holds it for them). A request may also name its version
 * (callPinned: a shadow replay judging a candidate); it then answers with that one or fails.
 */

/** Which models serve, as this replica applied it. */
export interface Routing {
  readonly active: ServedModel;
  readonly canary: { readonly model: ServedModel; readonly weight: number } | null;
  /** The registry's serving revision this routing came from. */
  readonly revision: number;
}

/** One model call: which version, in which role, and how it went. */
export interface ModelCallEvent {
  readonly version: string;
  /** 'pinned': the request named the version (X-Model-Version); not live users' traffic. */
  readonly role: 'active' | 'canary' | 'pinned';
  readonly outcome: 'answered' | 'failed';
  readonly durationMs: number;
  /** Why it failed (outcome 'failed'). */
  readonly error?: unknown;
}

export type ModelCallListener = (event: ModelCallEvent) => void;

export interface ModelRouterOptions {
  /** Whether the models take uploads whole (recognise): all are loaded alike, so the first one says. */
  readonly recognise: boolean;
  /** For tests: the draw that decides canary or active. @default Math.random */
  readonly random?: () => number;
  /** Loads a version a request names that the routing does not serve; absent: only routed versions can be named. */
  readonly loadPinned?: PinnedLoader;
}

/** The image's own fault (4xx): every version would refuse it, so it is nobody's failure. */
function isRequestError(error: unknown): boolean {
  return error instanceof AppError && error.status < 500;
}

export class ModelRouter implements Classifier {
  readonly recognise?: (bytes: Uint8Array, limits: PreprocessLimits) => Promise<Recognition>;
  private current: Routing;
  private readonly random: () => number;
  private readonly batchListeners: ((batchSize: number, durationMs: number) => void)[] = [];
  private readonly callListeners: ModelCallListener[] = [];
  /** Every model not yet disposed, retired ones included: shutdown disposes them all. */
  private readonly models = new Set<ServedModel>();
  private readonly pins: PinnedModels | undefined;

  constructor(initial: Routing, options: ModelRouterOptions) {
    this.random = options.random ?? Math.random;
    this.current = initial;
    this.adopt(initial);
    this.pins = options.loadPinned && new PinnedModels(options.loadPinned, (model) => {
      for (const listener of this.batchListeners) model.classifier.onBatch(listener);
    });
    if (options.recognise) {
      this.recognise = (bytes, limits) =>
        this.route(
          (c) => {
            if (c.recognise === undefined) throw new Error('this model takes no uploads (loaded with another INFERENCE_THREAD)');
            return c.recognise(bytes, limits);
          },
          (answer, modelVersion) => ({ ...answer, classification: { ...answer.classification, modelVersion } }),
        );
    }
  }

  get routing(): Routing {
    return this.current;
  }

  get backend(): string {
    return this.current.active.classifier.backend;
  }

  get modelVersion(): string {
    return this.current.active.version;
  }

  classify(pixels: DigitPixels): Promise<Classification> {
    return this.route((c) => c.classify(pixels), (answer, modelVersion) => ({ ...answer, modelVersion }));
  }

  onBatch(listener: (batchSize: number, durationMs: number) => void): void {
    this.batchListeners.push(listener);
    for (const model of this.models) model.classifier.onBatch(listener);
  }

  /** Told of every model call (live stats, metrics, logs). */
  onCall(listener: ModelCallListener): void {
    this.callListeners.push(listener);
  }

  health(): ClassifierHealth {
    const { active } = this.current;
    return active.classifier.health?.() ?? { ok: true, detail: `model ${active.version} loaded` };
  }

  /**
   * Routes new requests by `next` from now on and retires the models it no longer names
   * (each disposed when its last request is done).
   */
  switchTo(next: Routing): void {
    const previous = this.current;
    this.current = next;
    this.adopt(next);
    const kept = new Set([next.active, next.canary?.model]);
    for (const model of [previous.active, previous.canary?.model]) {
      if (model !== undefined && !kept.has(model)) model.retire();
    }
  }

  /**
   * Makes sure `version` can answer, loading it if it is not routed: called before the request
   * waits for a decoder, so that a load never holds a decode slot. Throws
   * UnknownModelVersionError for a version the registry does not know, UnavailableError when it
   * cannot be loaded.
   */
  async preparePinned(version: string): Promise<void> {
    if (this.routed(version) === undefined) await this.obtainPinned(version);
  }

  /**
   * Runs `call` on `version` and nothing else: no canary draw, no fallback to the active (a
   * failure is the named version's). The routed model when the routing serves it, else a
   * pinned one (pinned-models.ts bounds how many).
   */
  async callPinned<T>(version: string, call: (c: Classifier) => Promise<T>): Promise<T> {
    // A pinned model pushed out between its load and this call is loaded again, a few times at most.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const routed = this.routed(version);
      if (routed !== undefined) {
        this.pins?.drop(version);
        return this.call(routed, 'pinned', call);
      }
      const model = await this.obtainPinned(version);
      if (!model.isRetired) return this.call(model, 'pinned', call);
    }
    throw new UnavailableError(`model version ${version} was unloaded while the request waited for it: try again`);
  }

  /** A pinned model of `version`, handed over to be routed (pinned-models.ts: take), or undefined. */
  takePinned(version: string): ServedModel | undefined {
    return this.pins?.take(version);
  }

  /** Disposes every model, retired ones still finishing included (shutdown: after the drain). */
  async dispose(): Promise<void> {
    await Promise.all([...[...this.models].map((model) => model.dispose()), this.pins?.dispose()]);
  }

  /** The routed model of `version`, read and used in the caller's tick. */
  private routed(version: string): ServedModel | undefined {
    const { active, canary } = this.current;
    if (active.version === version) return active;
    return canary?.model.version === version ? canary.model : undefined;
  }

  private async obtainPinned(version: string): Promise<ServedModel> {
    if (this.pins === undefined) throw new UnknownModelVersionError(`model version ${version} is not served here`);
    try {
      return await this.pins.obtain(version);
    } catch (error) {
      if (error instanceof ModelNotFoundError) throw new UnknownModelVersionError(`no model version ${version} in the registry`);
      throw new UnavailableError(`model version ${version} cannot be loaded right now`, { cause: error });
    }
  }

  private adopt(routing: Routing): void {
    for (const model of [routing.active, routing.canary?.model]) {
      if (model === undefined || this.models.has(model)) continue;
      this.models.add(model);
      for (const listener of this.batchListeners) model.classifier.onBatch(listener);
      void model.disposed.then(() => this.models.delete(model));
    }
  }

  private emit(event: ModelCallEvent): void {
    for (const listener of this.callListeners) listener(event);
  }

  private async call<T>(model: ServedModel, role: ModelCallEvent['role'], call: (c: Classifier) => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const answer = await model.use(call);
      this.emit({ version: model.version, role, outcome: 'answered', durationMs: performance.now() - started });
      return answer;
    } catch (error) {
      if (!isRequestError(error)) this.emit({ version: model.version, role, outcome: 'failed', durationMs: performance.now() - started, error });
      throw error;
    }
  }

  private async route<T>(call: (c: Classifier) => Promise<T>, tag: (answer: T, version: string) => T): Promise<T> {
    // Picked and held in this same tick: a switch cannot dispose it in between.
    const { active, canary } = this.current;
    if (canary !== null && this.random() < canary.weight) {
      try {
        return tag(await this.call(canary.model, 'canary', call), canary.model.version);
      } catch (error) {
        if (isRequestError(error)) throw error;
        // The user is not the canary's test subject: the active version answers instead, and
        // the failure counts against the canary (the 'failed' event above): the active the
        // request started with, or the current one if a switch retired that meanwhile.
        const fallback = active.isRetired ? this.current.active : active;
        return tag(await this.call(fallback, 'active', call), fallback.version);
      }
    }
    return tag(await this.call(active, 'active', call), active.version);
  }
}
