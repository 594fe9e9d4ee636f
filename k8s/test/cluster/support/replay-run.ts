import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ReplayReport } from '../../../../app/src/replay/report.js';
import { REPO_ROOT } from '../../deploy/local-cluster.js';
import { appImage, KUBE_ENV } from './cluster.js';

/** `make replay-cluster` as a person runs it: an indexed Job of replay pods, reports merged. */
export interface ClusterReplayRun {
  /** Every line the command printed so far. */
  readonly lines: string[];
  /** Resolves once a progress line says the pods are running (the load has begun). */
  readonly sending: Promise<void>;
  /** The exit code and the merged report (null when none was written). */
  readonly done: Promise<{ code: number | null; report: ReplayReport | null; output: string }>;
}

export function startClusterReplay(name: string, settings: Record<string, string>): ClusterReplayRun {
  const out = path.join(REPO_ROOT, '.artifacts/cluster', `${name}.json`);
  const vars = Object.entries({ IMAGE: appImage(), OUT: out, ...settings }).map(([k, v]) => `${k}=${v}`);
  // The CLI keeps the shard logs and reports in <tmp>/mnist-<job name> for a person to read; here the
  // merged report goes to .artifacts, so the shard files go under a scratch TMPDIR removed once it exits.
  const scratch = mkdtempSync(path.join(tmpdir(), 'cluster-replay-run-'));
  const child = spawn('make', ['--no-print-directory', 'replay-cluster', ...vars], { cwd: REPO_ROOT, env: { ...KUBE_ENV, TMPDIR: scratch }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let onRunning: () => void = () => undefined;
  const sending = new Promise<void>((resolve) => (onRunning = resolve));
  const take = (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    if (parts.some((l) => /^pods: \d+\/\d+ completed, [1-9]\d* running/.test(l))) onRunning();
  };
  child.stdout.setEncoding('utf8').on('data', take);
  child.stderr.setEncoding('utf8').on('data', take);
  const done = new Promise<{ code: number | null; report: ReplayReport | null; output: string }>((resolve) => {
    child.on('close', async (code) => {
      if (partial) lines.push(partial);
      onRunning();
      const report = await readFile(out, 'utf8').then((text) => JSON.parse(text) as ReplayReport, () => null);
      rmSync(scratch, { recursive: true, force: true });
      resolve({ code, report, output: lines.join('\n') });
    });
  });
  return { lines, sending, done };
}
