import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { E2eTarget } from './e2e-bench.js';
import { renderBreakdown, summarizeProfiles, type CpuProfile, type SampleWindow } from './profile-summary.js';

/**
 * `node dist/app/bench/profile-cli.js FILE.cpuprofile... [--e2e e2e.json] [--out summary.md]`:
 * prints (and writes) where the profiled process's main thread spent its time. With --e2e, only
 * the measured run of that benchmark counts (start-up and warm-up are cut off), per request.
 */

async function readWindow(file: string): Promise<SampleWindow> {
  const report = JSON.parse(await readFile(file, 'utf8')) as { targets: E2eTarget[] };
  const point = report.targets.find((t) => t.points.length > 0)?.points[0];
  if (point === undefined) throw new Error(`${file} has no measured run`);
  const mainThreadCpu = point.serverThreadCpuUsPerRequest.node;
  return { startUs: point.monotonicWindowUs.start, endUs: point.monotonicWindowUs.end, requests: point.requests, ...(mainThreadCpu === undefined ? {} : { mainThreadCpuUsPerRequest: mainThreadCpu }) };
}

async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { out: { type: 'string' }, e2e: { type: 'string' } }, allowPositionals: true });
  if (positionals.length === 0) throw new Error('usage: profile-cli FILE.cpuprofile... [--e2e e2e.json] [--out summary.md]');
  const profiles = await Promise.all(positionals.map(async (file) => JSON.parse(await readFile(file, 'utf8')) as CpuProfile));
  const window = values.e2e === undefined ? undefined : await readWindow(values.e2e);
  const scope = window === undefined ? 'whole process' : `measured run only, ${window.requests} requests`;
  const markdown = renderBreakdown(summarizeProfiles(profiles, window), `CPU profile (${scope}): ${positionals.map((f) => path.basename(f)).join(', ')}`);
  if (values.out !== undefined) await writeFile(values.out, markdown);
  process.stdout.write(markdown);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`profile-cli: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
