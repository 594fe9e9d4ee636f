/**
 * How the hostile suite runs its case tables: one served app for the whole file, each case on
 * a fresh connection, every answer checked for status and shape, and none ending in a reset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileCli, type CompiledCli } from '../../fixtures/compiled-cli.js';
import { exchangeRaw, type RawExchange } from '../../fixtures/raw-http.js';
import { expectAnswer, type HostileCase } from './http-bytes.js';
import { startServedApp, type ServedApp } from './served-app.js';

/** The served app of the running suite; throws before beforeAll has started it. */
export type ServedAppRef = () => ServedApp;

/** Compiles the CLI and serves it with `env` for the file's tests; stops and removes it after. */
export function useServedApp(env: Record<string, string>): ServedAppRef {
  let compiled: CompiledCli | undefined;
  let served: ServedApp | undefined;
  beforeAll(async () => {
    compiled = await compileCli();
    served = await startServedApp(compiled, env);
  });
  afterAll(async () => {
    try {
      if (served !== undefined) expect(await served.stop()).toBe(0);
    } finally {
      compiled?.remove();
    }
  });
  return () => {
    if (served === undefined) throw new Error('the served app is not started');
    return served;
  };
}

/** Sends one case on its own connection and reads as many answers as it expects. */
export async function sendCase(app: ServedApp, hostile: HostileCase): Promise<RawExchange> {
  return exchangeRaw({ port: app.port, send: await hostile.send(), responses: hostile.answers.length, timeoutMs: 60_000 });
}

/** Checks an exchange against the case: every answer, in order, and no reset on the way. */
export function expectCaseAnswered(result: RawExchange, hostile: HostileCase): void {
  expect(result.responses.map((r) => r.status), `answers to ${hostile.name}`).toEqual(hostile.answers.map(([status]) => status));
  hostile.answers.forEach((answer, i) => expectAnswer(result.responses[i], answer));
  expect(result.reset, 'the connection was reset before the answer was read').toBe(false);
}

/** One `it` per case of `cases`, under `title`. */
export function describeCases(title: string, cases: readonly HostileCase[], app: ServedAppRef): void {
  describe(title, () => {
    it.each(cases.map((c) => [c.name, c] as const))('answers %s', async (_name, hostile) => {
      expectCaseAnswered(await sendCase(app(), hostile), hostile);
    });
  });
}
