import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What a person's browser does through the app's HTTP API (reached by a port-forward): post a
 * drawing, read the answer and the version that gave it, correct it; and a steady background of
 * everyday drawings whose every non-2xx answer, or request without an answer, is kept.
 */

export interface Answer {
  readonly status: number;
  readonly id: string;
  readonly digit: number;
  readonly modelVersion: string;
}

export async function postDrawing(url: string, png: Buffer): Promise<Answer> {
  const response = await fetch(`${url}/api/predictions`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: new Uint8Array(png) });
  const body = (await response.json()) as { id?: string; digit?: number; modelVersion?: string };
  return { status: response.status, id: body.id ?? '', digit: body.digit ?? -1, modelVersion: body.modelVersion ?? '' };
}

/** `POST /api/predictions/:id/feedback`: the status code. */
export async function correct(url: string, id: string, label: number): Promise<number> {
  const response = await fetch(`${url}/api/predictions/${id}/feedback`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ label }) });
  await response.arrayBuffer();
  return response.status;
}

export interface ModelCard {
  readonly version: string;
  readonly parent?: string | null;
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface ServingModels {
  readonly active: string;
  readonly canary: { readonly version: string; readonly weight: number } | null;
  readonly revision: number;
  readonly versions: readonly ModelCard[];
}

export async function getJson<T>(url: string, pathAndQuery: string): Promise<T> {
  const response = await fetch(`${url}${pathAndQuery}`);
  if (!response.ok) throw new Error(`GET ${pathAndQuery}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export interface TrafficTotals {
  readonly requests: number;
  readonly failures: readonly string[];
  /** Answers per model version. */
  readonly byVersion: Readonly<Record<string, number>>;
  /** Answers equal to the drawing's label. */
  readonly right: number;
}

export interface TrafficLoop {
  totals(): TrafficTotals;
  stop(): Promise<TrafficTotals>;
}

/** `users` people posting `drawings` round and round, `pauseMs` apart, until stopped. */
export function startTraffic(url: string, drawings: readonly { png: Buffer; label: number }[], users = 2, pauseMs = 100): TrafficLoop {
  let running = true;
  let requests = 0;
  let right = 0;
  let next = 0;
  const failures: string[] = [];
  const byVersion: Record<string, number> = {};
  const user = async (): Promise<void> => {
    while (running) {
      const drawing = drawings[next++ % drawings.length]!;
      requests += 1;
      try {
        const answer = await postDrawing(url, drawing.png);
        if (answer.status < 200 || answer.status > 299) {
          failures.push(`${new Date().toISOString()} HTTP ${answer.status}`);
        } else {
          byVersion[answer.modelVersion] = (byVersion[answer.modelVersion] ?? 0) + 1;
          if (answer.digit === drawing.label) right += 1;
        }
      } catch (error) {
        failures.push(`${new Date().toISOString()} ${error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error)}`);
      }
      await sleep(pauseMs);
    }
  };
  const loops = Array.from({ length: users }, user);
  const totals = (): TrafficTotals => ({ requests, failures: [...failures], byVersion: { ...byVersion }, right });
  return {
    totals,
    async stop() {
      running = false;
      await Promise.all(loops);
      return totals();
    },
  };
}
