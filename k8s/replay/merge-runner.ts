import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Merges shard reports by running the app's own `replay merge` as a subprocess: the merge
 * (histograms, percentiles, accuracy) lives in app/, and app/ and k8s/ never import each other.
 */

export interface MergeRun {
  /** The command up to and including the app CLI, e.g. ["node", "dist/app/src/cli/index.js"]. */
  readonly command: readonly string[];
  readonly reportFiles: readonly string[];
  readonly out: string;
  readonly chart?: string | undefined;
  /** Threshold flags passed through, e.g. ["--max-p99-ms", "50"]. */
  readonly thresholdArgs: readonly string[];
  /** Receives the merge's human summary (its stdout without the final JSON line). */
  readonly print: (text: string) => void;
}

/** The app CLI next to this file: dist/k8s/replay -> dist/app/src/cli/index.js; from source, via tsx. */
export function defaultMergeCommand(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const built = path.resolve(here, '../../app/src/cli/index.js');
  if (existsSync(built)) return [process.execPath, built];
  return [process.execPath, '--import', 'tsx', path.resolve(here, '../../app/src/cli/index.ts')];
}

/** Runs the merge; resolves with its exit code (1 when a threshold failed). */
export function runMerge(run: MergeRun): Promise<number> {
  const [program, ...prefix] = run.command;
  if (program === undefined) return Promise.reject(new Error('empty merge command'));
  const args = [...prefix, 'replay', 'merge', ...run.reportFiles, '--out', run.out, ...(run.chart ? ['--chart', run.chart] : []), ...run.thresholdArgs];
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      // The last line is the JSON report, already in --out: show people the summary only.
      const lines = stdout.trimEnd().split('\n');
      if (lines.at(-1)?.startsWith('{')) lines.pop();
      if (lines.length > 0) run.print(lines.join('\n'));
      resolve(code ?? 1);
    });
  });
}
