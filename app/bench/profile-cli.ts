import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { E2eTarget } from './e2e-bench.js';
import { sampleStages, type StageSamples } from './profile-stages.js';
import { readProfileThreadId, renderBreakdown, summarizeProfiles, type CpuProfile, type SampleWindow } from './profile-summary.js';
import { errorMessage } from '../src/errors.js';

/**
 * `node dist/app/bench/profile-cli.js FILE.cpuprofile... [--e2e e2e.json] [--out summary.md]
 * [--stages-out stages.json]`: prints (and writes) where the profiled process's threads spent
 * their time, one breakdown per thread: `node --cpu-prof` writes one file per JS thread (the
 * main thread, and the inference worker). With --e2e, only the measured run of that benchmark
 * counts (start-up and warm-up are cut off), per request. --stages-out writes the main
 * thread's sampled time by request stage (profile-stages.ts), which the report turns into CPU
 * per stage.
 */

interface Measured {
  readonly window: Omit<SampleWindow, 'threadCpuUsPerRequest'>;
  readonly threadCpuUs: Readonly<Record<string, number>>;
}

async function readWindow(file: string): Promise<Measured> {
  const report = JSON.parse(await readFile(file, 'utf8')) as { targets: E2eTarget[] };
  const point = report.targets.find((t) => t.points.length > 0)?.points[0];
  if (point === undefined) throw new Error(`${file} has no measured run`);
  return { window: { startUs: point.monotonicWindowUs.start, endUs: point.monotonicWindowUs.end, requests: point.requests }, threadCpuUs: point.serverThreadCpuUsPerRequest };
}

async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: { out: { type: 'string' }, e2e: { type: 'string' }, 'stages-out': { type: 'string' } }, allowPositionals: true });
  if (positionals.length === 0) throw new Error('usage: profile-cli FILE.cpuprofile... [--e2e e2e.json] [--out summary.md] [--stages-out stages.json]');
  const measured = values.e2e === undefined ? undefined : await readWindow(values.e2e);
  const scope = measured === undefined ? 'whole process' : `measured run only, ${measured.window.requests} requests`;
  const threadIds = [...new Set(positionals.map(readProfileThreadId))].sort((a, b) => a - b);
  const sections: string[] = [];
  const stageSamples: Record<string, ReturnType<typeof sampleStages>> = {};
  for (const threadId of threadIds) {
    const files = positionals.filter((f) => readProfileThreadId(f) === threadId);
    const profiles = await Promise.all(files.map(async (file) => JSON.parse(await readFile(file, 'utf8')) as CpuProfile));
    // Thread 0 is the main thread; the service starts one worker, the inference thread.
    const [label, cpuKey] = threadId === 0 ? ['Main-thread', 'node'] : [`Inference-thread (worker ${threadId})`, 'mnist-inference'];
    const cpuUs = measured?.threadCpuUs[cpuKey];
    const window = measured === undefined ? undefined : { ...measured.window, ...(cpuUs === undefined ? {} : { threadCpuUsPerRequest: cpuUs }) };
    const title = `CPU profile, ${threadId === 0 ? 'main thread' : `worker thread ${threadId}`} (${scope}): ${files.map((f) => path.basename(f)).join(', ')}`;
    sections.push(renderBreakdown(summarizeProfiles(profiles, window), title, label));
    stageSamples[cpuKey] = sampleStages(profiles, window);
  }
  if (values['stages-out'] !== undefined) {
    const stages: StageSamples = { requests: measured?.window.requests ?? null, threads: stageSamples };
    await writeFile(values['stages-out'], `${JSON.stringify(stages, null, 2)}\n`);
  }
  const markdown = sections.join('\n');
  if (values.out !== undefined) await writeFile(values.out, markdown);
  process.stdout.write(markdown);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`profile-cli: ${errorMessage(error)}\n`);
  process.exitCode = 1;
});
