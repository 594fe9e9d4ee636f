import type { Classifier } from '../inference/classifier-types.js';

/**
 * One loaded version and the requests holding it. A switch retires the old version instead of
 * disposing it: requests that started on it finish on it, and the last one to finish disposes
 * it (or the retirement does, when none was in flight).
 */
export class ServedModel {
  private holders = 0;
  private retired = false;
  private disposing: Promise<void> | undefined;
  private markDisposed!: () => void;
  /** Settles once it is disposed (by its last request, a retirement or shutdown). */
  readonly disposed = new Promise<void>((resolve) => {
    this.markDisposed = resolve;
  });

  /**
   * @param version the registry's name for it (what answers carry)
   * @param onDisposeError told when disposing fails (the switch itself has succeeded by then)
   */
  constructor(
    readonly version: string,
    readonly classifier: Classifier,
    private readonly onDisposeError: (version: string, error: unknown) => void,
  ) {}

  /** Requests holding it right now. */
  get inFlight(): number {
    return this.holders;
  }

  get isRetired(): boolean {
    return this.retired;
  }

  /**
   * Runs `call` holding the model, so that it is not disposed under the call. Taken before the
   * first await: a request picked from the current state always gets a live classifier.
   */
  async use<T>(call: (classifier: Classifier) => Promise<T>): Promise<T> {
    if (this.disposing !== undefined) throw new Error(`model ${this.version} is disposed`);
    this.holders += 1;
    try {
      return await call(this.classifier);
    } finally {
      this.holders -= 1;
      if (this.retired && this.holders === 0) void this.dispose();
    }
  }

  /** No new requests will pick it; it is disposed once the last one holding it is done. */
  retire(): void {
    this.retired = true;
    if (this.holders === 0) void this.dispose();
  }

  /** Resolves once disposed (at once if never retired: for shutdown, which waits for nothing). */
  dispose(): Promise<void> {
    this.disposing ??= this.classifier
      .dispose()
      .catch((error: unknown) => this.onDisposeError(this.version, error))
      .finally(() => this.markDisposed());
    return this.disposing;
  }
}
