/**
 * The real service and the real lifecycle CLI as processes, sharing one DATA_DIR (the embedded
 * store and registry in one SQLite file), as `make run` and `make retrain` / `make canary`
 * beside it would: the service from source through tsx, the CLI the same way.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from '../../../src/config.js';
import { CLI, spawnServe } from '../../fixtures/serve-process.js';

export interface Service {
  readonly url: string;
  readonly lines: Record<string, unknown>[];
  stop(): Promise<number | null>;
}

/** Starts `mnist serve` on a free port and resolves once it logs "listening". */
export async function startService(env: Record<string, string>, timeoutMs = 120_000): Promise<Service> {
  const { child, lines, stderr, exited } = spawnServe(env);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const listening = lines.find((l) => l.msg === 'listening');
    if (listening !== undefined) return { url: String(listening.url), lines, stop: () => stop(child, exited) };
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${stderr.join('')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`serve did not log "listening" within ${timeoutMs} ms: ${stderr.join('')}`);
    }
    await sleep(50);
  }
}

async function stop(child: ChildProcessWithoutNullStreams, exited: Promise<number | null>): Promise<number | null> {
  if (child.exitCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The JSON object of the last stdout line. */
  readonly result: Record<string, unknown>;
  readonly seconds: number;
}

/** Runs `mnist <args>` with the service's environment; its progress (stderr) is echoed, prefixed. */
export function runCli(args: readonly string[], env: Record<string, string>, timeoutMs = 480_000): Promise<CliRun> {
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: PROJECT_ROOT, env: { ...process.env, CASSANDRA_CONTACT_POINTS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      // Only whole lines that are not progress-bar updates: the test log stays readable.
      for (const line of chunk.split('\n')) if (line.trim() !== '' && !line.startsWith('epoch ')) process.stderr.write(`  [${args[0]}] ${line}\n`);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = stdout.trimEnd().split('\n').at(-1) ?? '';
      let result: Record<string, unknown> = {};
      try {
        result = JSON.parse(last) as Record<string, unknown>;
      } catch {
        // left empty: the test's expectation on `code` and `result` names the failure
      }
      resolve({ code, stdout, stderr, result, seconds: (Date.now() - startedAt) / 1000 });
    });
  });
}
