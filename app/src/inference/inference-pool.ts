import { UnavailableError } from '../errors.js';
import type { PreprocessLimits } from '../preprocess/preprocess.js';
import type { ClassifierHealth } from './classifier-types.js';
import type { InferenceEngine, RawRecognition } from './inference-model.js';

/**
 * Several supervised inference workers as one engine: each request goes to the live worker with
 * the fewest requests in flight, so uploads are preprocessed on as many threads as there are
 * workers while each worker still batches what it is given. A worker that is restarting takes
 * nothing; the pool is unavailable only when none is up.
 */
export class InferencePool implements InferenceEngine {
  private readonly inFlight: number[];

  constructor(private readonly engines: readonly InferenceEngine[]) {
    if (engines.length === 0) throw new RangeError('an inference pool needs at least one worker');
    this.inFlight = engines.map(() => 0);
  }

  get backend(): string {
    return this.engines[0]!.backend;
  }
  get backendFallbacks(): readonly string[] {
    return this.engines[0]!.backendFallbacks;
  }
  get modelVersion(): string {
    return this.engines[0]!.modelVersion;
  }

  predict(pixels: Float32Array, count: number): Promise<Float32Array> {
    return this.dispatch((engine) => engine.predict(pixels, count));
  }

  recognise(bytes: Uint8Array, limits: PreprocessLimits): Promise<RawRecognition> {
    return this.dispatch((engine) => {
      if (engine.recognise === undefined) throw new UnavailableError('this inference engine does not recognise uploads');
      return engine.recognise(bytes, limits);
    });
  }

  onBatch(listener: (size: number, durationMs: number) => void): void {
    for (const engine of this.engines) engine.onBatch?.(listener);
  }

  health(): ClassifierHealth {
    const states = this.engines.map((engine) => engine.health());
    const up = states.filter((s) => s.ok).length;
    if (this.engines.length === 1) return states[0]!;
    return { ok: up > 0, detail: `${up}/${states.length} inference workers up: ${states.map((s) => s.detail).join('; ')}` };
  }

  async dispose(): Promise<void> {
    await Promise.all(this.engines.map((engine) => engine.dispose()));
  }

  private async dispatch<T>(call: (engine: InferenceEngine) => Promise<T>): Promise<T> {
    let chosen = -1;
    for (let i = 0; i < this.engines.length; i++) {
      if (!this.engines[i]!.health().ok) continue;
      if (chosen < 0 || this.inFlight[i]! < this.inFlight[chosen]!) chosen = i;
    }
    // None up: the first one answers, with why it is down.
    const index = chosen < 0 ? 0 : chosen;
    this.inFlight[index]! += 1;
    try {
      return await call(this.engines[index]!);
    } finally {
      this.inFlight[index]! -= 1;
    }
  }
}
