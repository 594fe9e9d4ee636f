/** A bounded stream of prediction requests against a running service, with every outcome kept. */
export interface Outcome {
  readonly status: number;
  /** The prediction id when the answer was 201. */
  readonly id: string | null;
  readonly latencyMs: number;
  /** Network error text, when there was no HTTP answer at all. */
  readonly error: string | null;
}

export interface StreamOptions {
  readonly url: () => string;
  readonly pngs: readonly Buffer[];
  readonly count: number;
  readonly concurrency: number;
  /** Checked before each request: true ends the stream early (time- or event-bounded streams). */
  readonly shouldStop?: () => boolean;
  /** Called after each answer, e.g. to kill a node after the 500th. */
  readonly onAnswer?: (done: number) => void | Promise<void>;
}

export async function postPrediction(url: string, png: Buffer): Promise<Outcome> {
  const startedAt = performance.now();
  try {
    const response = await fetch(`${url}/api/predictions`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: Uint8Array.from(png), signal: AbortSignal.timeout(30_000) });
    const body = (await response.json().catch(() => null)) as { id?: string } | null;
    return { status: response.status, id: response.status === 201 ? (body?.id ?? null) : null, latencyMs: performance.now() - startedAt, error: null };
  } catch (error) {
    return { status: 0, id: null, latencyMs: performance.now() - startedAt, error: error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error) };
  }
}

/** Sends `count` predictions with `concurrency` in flight; resolves with every outcome in order of sending. */
export async function streamPredictions(options: StreamOptions): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  let done = 0;
  async function worker(): Promise<void> {
    while (next < options.count && !(options.shouldStop?.() ?? false)) {
      const index = next++;
      outcomes[index] = await postPrediction(options.url(), options.pngs[index % options.pngs.length]!);
      done += 1;
      await options.onAnswer?.(done);
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  return outcomes;
}

export function summarize(outcomes: readonly Outcome[]): { requests: number; created: number; unavailable: number; other: number; p50Ms: number; p99Ms: number } {
  const sorted = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const created = outcomes.filter((o) => o.status === 201).length;
  const unavailable = outcomes.filter((o) => o.status === 503).length;
  return { requests: outcomes.length, created, unavailable, other: outcomes.length - created - unavailable, p50Ms: Math.round(at(0.5) * 10) / 10, p99Ms: Math.round(at(0.99) * 10) / 10 };
}
