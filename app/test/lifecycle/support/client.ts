/**
 * What a person's browser does, through the real HTTP API: post a drawing, read the answer
 * (with the version that gave it), correct it; plus a steady background of ordinary drawings
 * whose every non-2xx answer is counted.
 */
import { setTimeout as sleep } from 'node:timers/promises';

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

export async function correct(url: string, id: string, label: number): Promise<number> {
  const response = await fetch(`${url}/api/predictions/${id}/feedback`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ label }) });
  await response.arrayBuffer();
  return response.status;
}

export async function getJson(url: string, pathAndQuery: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}${pathAndQuery}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export interface TrafficTotals {
  readonly requests: number;
  /** Answers other than 2xx, and requests that got no answer at all. */
  readonly failed: number;
  readonly failures: readonly string[];
  /** Answers per model version. */
  readonly byVersion: Readonly<Record<string, number>>;
}

export interface TrafficLoop {
  totals(): TrafficTotals;
  stop(): Promise<TrafficTotals>;
}

/** `concurrency` users posting `pngs` round and round, `pauseMs` apart, until stopped. */
export function startTraffic(url: string, pngs: readonly Buffer[], concurrency = 2, pauseMs = 40): TrafficLoop {
  let running = true;
  let requests = 0;
  let next = 0;
  const failures: string[] = [];
  const byVersion: Record<string, number> = {};
  const user = async (): Promise<void> => {
    while (running) {
      const png = pngs[next++ % pngs.length]!;
      requests += 1;
      try {
        const answer = await postDrawing(url, png);
        if (answer.status < 200 || answer.status > 299) failures.push(`HTTP ${answer.status}`);
        else byVersion[answer.modelVersion] = (byVersion[answer.modelVersion] ?? 0) + 1;
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
      await sleep(pauseMs);
    }
  };
  const users = Array.from({ length: concurrency }, user);
  const totals = (): TrafficTotals => ({ requests, failed: failures.length, failures: [...failures], byVersion: { ...byVersion } });
  return {
    totals,
    async stop() {
      running = false;
      await Promise.all(users);
      return totals();
    },
  };
}
