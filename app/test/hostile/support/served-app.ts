/**
 * The service as `make run` runs it, for the hostile suite: the compiled CLI (no TypeScript
 * loader inflating its memory), with the memory settings of serve-runtime.ts, the real model
 * and the embedded store in a temp dir. Its log goes to .artifacts/hostile/serve.log for a
 * post-mortem; its peak RSS is read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SERVE_ENV } from '../../../src/cli/serve-runtime.js';
import { PROJECT_ROOT } from '../../../src/config.js';
import type { CompiledCli } from '../../fixtures/compiled-cli.js';

export const ARTIFACTS_DIR = path.join(PROJECT_ROOT, '.artifacts', 'hostile');

export interface ServedApp {
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Peak resident set size so far (VmHWM), MiB. */
  peakRssMiB(): number;
  /** The JSON log lines written so far. */
  logLines(): Record<string, unknown>[];
  /** SIGTERM, then the exit code (SIGKILL after 30 s). */
  stop(): Promise<number | null>;
}

function readLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Starts `serve` from `compiled` with `env` on top of the defaults; resolves once it listens. */
export async function startServedApp(compiled: CompiledCli, env: Record<string, string>): Promise<ServedApp> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mnist-hostile-'));
  const logFile = path.join(ARTIFACTS_DIR, 'serve.log');
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [compiled.cli, 'serve'], {
    cwd: compiled.root,
    env: { ...process.env, ...SERVE_ENV, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', DATA_DIR: dataDir, CASSANDRA_CONTACT_POINTS: '', ...env },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => rmSync(dataDir, { recursive: true, force: true }));

  const deadline = Date.now() + 120_000;
  let listening: Record<string, unknown> | undefined;
  while (listening === undefined) {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode} before listening (log: ${logFile})`);
    if (Date.now() > deadline) throw new Error(`serve did not listen within 120 s (log: ${logFile})`);
    await sleep(100);
    listening = readLines(logFile).find((line) => line.msg === 'listening');
  }
  const url = String(listening.url);
  return {
    url,
    port: Number(listening.port),
    child,
    logFile,
    peakRssMiB: () => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024,
    logLines: () => readLines(logFile),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
