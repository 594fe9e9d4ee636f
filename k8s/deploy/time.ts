import { setTimeout as delay } from 'node:timers/promises';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * Parses a duration flag: "90s", "10m", "1h", "500ms", or bare seconds ("600").
 * Returns milliseconds, or null when the text is not a positive duration.
 */
export function parseDurationMs(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) return null;
  const ms = Number(match[1]) * UNIT_MS[(match[2] ?? 's') as keyof typeof UNIT_MS];
  return ms > 0 ? ms : null;
}

/** Resolves after `ms`, or early (without error) when `signal` aborts: loops then check the signal. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
}
