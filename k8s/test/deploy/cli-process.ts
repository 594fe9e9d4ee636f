import { type ChildProcess, spawn } from 'node:child_process';
import { KUBECONFIG_PATH, REPO_ROOT } from './local-cluster.js';

/** The deployer CLI running as a child process, its output kept line by line. */
export interface CliRun {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly stderr: () => string;
  /** Resolves with the first stdout line matching, rejects after timeoutMs or on exit. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves with the exit code once the process ends. */
  readonly exited: Promise<number | null>;
}

/** Starts the deployer CLI (TypeScript source, through tsx) against the local control plane. */
export function startCli(args: string[]): CliRun {
  // `node --import tsx`, not the tsx binary: one process, so SIGTERM reaches the CLI itself
  // rather than a relay in front of it.
  const child = spawn(process.execPath, ['--import', 'tsx', 'k8s/deploy/cli.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, KUBECONFIG: KUBECONFIG_PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let partial = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const listener of listeners) listener();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      if (partial !== '') lines.push(partial);
      for (const listener of listeners) listener();
      resolve(code);
    }),
  );
  function waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no line matching ${pattern} within ${timeoutMs}ms; got:\n${lines.join('\n')}\n${stderr}`)), timeoutMs);
      const check = () => {
        const line = lines.find((l) => pattern.test(l));
        if (line !== undefined) finish(null, line);
        else if (child.exitCode !== null) finish(new Error(`the CLI exited (${child.exitCode}) before printing ${pattern}:\n${lines.join('\n')}\n${stderr}`));
      };
      function finish(error: Error | null, line?: string): void {
        clearTimeout(timer);
        listeners.delete(check);
        if (error) reject(error);
        else resolve(line!);
      }
      listeners.add(check);
      check();
    });
  }
  return { child, lines, stderr: () => stderr, waitForLine, exited };
}

/** Runs the CLI to completion: exit code, stdout lines, stderr. */
export async function runCli(args: string[]): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  const run = startCli(args);
  const code = await run.exited;
  return { code, lines: run.lines, stderr: run.stderr() };
}
