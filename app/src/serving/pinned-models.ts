import type { ServedModel } from './served-model.js';

/**
 * Versions a request asked for by name (`X-Model-Version`, what a shadow replay sends) that the
 * routing does not serve: loaded on demand through the replica's model cache, kept in a small
 * least-recently-used set, and retired when pushed out (requests holding one finish on it).
 *
 * Why this bound and not another: a gate judges a candidate before it is a canary, so the
 * candidate must be loadable while only the active version is routed; a client may name any
 * version, so it could otherwise make the replica load every version in the registry. Here
 * only versions the registry knows load at all (an unknown name costs one registry read and
 * loads nothing), at most MAX_PINNED_VERSIONS of them stay loaded beside the routed ones, and
 * loads run one at a time (single-flight per version): at any moment the replica holds the
 * routed models, MAX_PINNED_VERSIONS pinned ones and at most one being loaded. A client pinning
 * many versions in turn costs loads (CPU, disk), not memory.
 */

/** Pinned versions kept loaded beside the routed ones: a shadow replay needs one (the candidate). */
export const MAX_PINNED_VERSIONS = 2;

/** Loads one version through the model cache (model-switcher.ts: loadServedModel). */
export type PinnedLoader = (version: string) => Promise<ServedModel>;

export class PinnedModels {
  /** Loaded versions, least recently used first (a Map keeps insertion order). */
  private readonly loaded = new Map<string, ServedModel>();
  private readonly pending = new Map<string, Promise<ServedModel>>();
  /** The tail of the load queue: loads run one after the other. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly load: PinnedLoader,
    private readonly onLoaded: (model: ServedModel) => void = () => {},
    private readonly maxLoaded: number = MAX_PINNED_VERSIONS,
  ) {
    if (!Number.isInteger(maxLoaded) || maxLoaded < 1) throw new RangeError(`maxLoaded must be a positive integer, got ${maxLoaded}`);
  }

  /** Versions loaded now, least recently used first (for tests and status). */
  get versions(): string[] {
    return [...this.loaded.keys()];
  }

  /** The loaded model of `version`, loading it first (after the loads queued before it). Throws what the loader throws. */
  obtain(version: string): Promise<ServedModel> {
    const hit = this.loaded.get(version);
    if (hit !== undefined && !hit.isRetired) {
      this.loaded.delete(version);
      this.loaded.set(version, hit);
      return Promise.resolve(hit);
    }
    let pending = this.pending.get(version);
    if (pending === undefined) {
      pending = this.queue.then(() => this.loadOne(version));
      this.queue = pending.catch(() => undefined);
      this.pending.set(version, pending);
      const forget = (): void => void this.pending.delete(version);
      pending.then(forget, forget);
    }
    return pending;
  }

  /**
   * Hands the loaded model of `version` over to the caller (the switcher routing it: a candidate
   * pinned by its gate becomes the canary without a second load), or undefined.
   */
  take(version: string): ServedModel | undefined {
    const model = this.loaded.get(version);
    if (model === undefined || model.isRetired) return undefined;
    this.loaded.delete(version);
    return model;
  }

  /** Retires the pinned copy of `version`, if any (it is routed now: the routed model answers). */
  drop(version: string): void {
    const model = this.loaded.get(version);
    if (model === undefined) return;
    this.loaded.delete(version);
    model.retire();
  }

  /** Disposes every pinned model (shutdown, after the drain); later loads are refused. */
  async dispose(): Promise<void> {
    this.closed = true;
    const models = [...this.loaded.values()];
    this.loaded.clear();
    await Promise.all(models.map((model) => model.dispose()));
  }

  private async loadOne(version: string): Promise<ServedModel> {
    if (this.closed) throw new Error('the service is shutting down');
    const again = this.loaded.get(version);
    if (again !== undefined && !again.isRetired) return again;
    const model = await this.load(version);
    if (this.closed) {
      await model.dispose();
      throw new Error('the service is shutting down');
    }
    this.onLoaded(model);
    this.loaded.set(version, model);
    for (const [oldest, evicted] of this.loaded) {
      if (this.loaded.size <= this.maxLoaded) break;
      this.loaded.delete(oldest);
      evicted.retire();
    }
    return model;
  }
}
