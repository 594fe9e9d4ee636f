import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseFlags, positiveInt } from '../src/cli/args.js';
import { SERVE_ENV } from '../src/cli/serve-runtime.js';
import { PROJECT_ROOT } from '../src/config.js';
import { errorMessage } from '../src/errors.js';
import { findFreePort } from './e2e/server-process.js';
import { median } from './measure.js';

/**
 * Start-up: wall time from running a command to the first 200 from /readyz (model loaded and
 * warmed up, store open), for `make run` on an up-to-date checkout (what a developer types) and
 * for the serve process alone (what a pod runs). Each run gets a fresh DATA_DIR and a free port,
 * and is stopped with SIGTERM to its process group (make and the node it started).
 */

const USAGE = 'Usage: startup-bench [--runs 3] [--out .bench/startup.json]';
const POLL_MS = 10;
const TIMEOUT_MS = 60_000;

export interface StartupResult {
  readonly runs: number;
  /** `make run` to ready, per run and the median, in ms. */
  readonly makeRunMs: readonly number[];
  readonly makeRunMedianMs: number;
  /** `node dist/app/src/cli/index.js serve` to ready. */
  readonly processMs: readonly number[];
  readonly processMedianMs: number;
  /** What /readyz said the classifier runs on. */
  readonly backend: string | null;
}

async function timeToReady(command: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<{ ms: number; backend: string | null }> {
  const port = await findFreePort();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'mnist-startup-'));
  const startedAt = performance.now();
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: 'ignore',
    detached: true,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    while (performance.now() - startedAt < TIMEOUT_MS) {
      if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited with code ${child.exitCode} before it was ready`);
      const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
      if (response?.status === 200) {
        const ms = Math.round(performance.now() - startedAt);
        const body = (await response.json()) as { classifier?: { backend?: string } };
        return { ms, backend: body.classifier?.backend ?? null };
      }
      await response?.arrayBuffer();
      await sleep(POLL_MS);
    }
    throw new Error(`${command} ${args.join(' ')} not ready within ${TIMEOUT_MS} ms`);
  } finally {
    if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main(args: string[]): Promise<void> {
  const flags = parseFlags(args, { runs: { type: 'string' }, out: { type: 'string' } }, USAGE);
  if (flags === null) return;
  const runs = positiveInt('runs', flags.runs) ?? 3;
  const out = path.resolve(flags.out ?? path.join(PROJECT_ROOT, '.bench/startup.json'));
  const makeRunMs: number[] = [];
  const processMs: number[] = [];
  let backend: string | null = null;
  // Alternating, so that load from other processes hits both alike.
  for (let i = 0; i < runs; i++) {
    const make = await timeToReady('make', ['--no-print-directory', 'run']);
    // As the image starts it (Dockerfile): the process itself, with its memory settings.
    const alone = await timeToReady(process.execPath, ['dist/app/src/cli/index.js', 'serve'], SERVE_ENV);
    makeRunMs.push(make.ms);
    processMs.push(alone.ms);
    backend = alone.backend;
    process.stderr.write(`startup: make run ${make.ms} ms, serve alone ${alone.ms} ms (${backend})\n`);
  }
  const result: StartupResult = { runs, makeRunMs, makeRunMedianMs: median(makeRunMs), processMs, processMedianMs: median(processMs), backend };
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`startup-bench: ${errorMessage(error)}\n`);
  process.exitCode = 1;
});
