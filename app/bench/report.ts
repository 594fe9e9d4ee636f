import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseFlags } from '../src/cli/args.js';
import { PROJECT_ROOT } from '../src/config.js';
import type { ClassifierBenchResult } from './classifier-bench.js';
import { collectMachineInfo } from './machine-info.js';
import { maxOtherCores, renderMarkdown, type BenchResults } from './report-markdown.js';
import { cpuPerStage, type StageSamples } from './profile-stages.js';
import {
  checkClassifier, checkEndToEnd, checkMemory, checkPreprocess, checkServerCpu, checkStartup, E2E_CONCURRENCY, findPeakMemory,
  type E2eReport, type PreprocessReport,
} from './report-targets.js';
import type { StartupResult } from './startup-bench.js';
import { errorMessage } from '../src/errors.js';

/**
 * Joins the parts' JSON (.bench/classifier.json, preprocess.json, e2e.json, e2e-cassandra.json,
 * startup.json and the profile pass's profile/stages.json) into .bench/results.json, judges the
 * targets in the order of the issue's table, writes .bench/results.md and prints it.
 */

const USAGE = `Usage: report [--dir .bench] [--command "make bench"] [--commit SHA] [--load-at-start "1.0 / 1.0 / 1.0"]
  [--note TEXT]...`;

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${file}: ${errorMessage(error)}`);
  }
}

/** Sum of %CPU in top's batch output (column 9), or null when the file is missing. */
async function readTopSnapshot(file: string): Promise<number | null> {
  try {
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '');
    return Math.round(lines.reduce((sum, line) => sum + (Number(line.trim().split(/\s+/)[8]) || 0), 0));
  } catch {
    return null;
  }
}

async function main(args: string[]): Promise<void> {
  const flags = parseFlags(args, {
    dir: { type: 'string' }, command: { type: 'string' }, commit: { type: 'string' },
    'load-at-start': { type: 'string' }, note: { type: 'string', multiple: true },
  }, USAGE);
  if (flags === null) return;
  const dir = path.resolve(flags.dir ?? path.join(PROJECT_ROOT, '.bench'));
  const classifier = await readJson<ClassifierBenchResult>(path.join(dir, 'classifier.json'));
  const preprocess = await readJson<PreprocessReport>(path.join(dir, 'preprocess.json'));
  // The Cassandra target runs last, on its own (scripts/bench.sh): one report of both runs.
  const e2eMain = await readJson<E2eReport>(path.join(dir, 'e2e.json'));
  const e2eCassandra = await readJson<E2eReport>(path.join(dir, 'e2e-cassandra.json'));
  const e2e = e2eMain === null ? e2eCassandra : { ...e2eMain, targets: [...e2eMain.targets, ...(e2eCassandra?.targets ?? [])] };
  const startup = await readJson<StartupResult>(path.join(dir, 'startup.json'));
  const stageSamples = await readJson<StageSamples>(path.join(dir, 'profile/stages.json'));
  const embedded = e2e?.targets.find((t) => t.name === 'embedded')?.points.find((p) => p.concurrency === E2E_CONCURRENCY);
  const otherCpuPercentAtStart = await readTopSnapshot(path.join(dir, 'top-at-start.txt'));
  // Half a core of someone else's work is enough to shift ratios between two CPU-bound sides.
  const contended = (otherCpuPercentAtStart ?? 0) > 50 || (e2e !== null && maxOtherCores(e2e) > 0.5);
  const results: BenchResults = {
    schema: 'mnist-bench/1',
    date: new Date().toISOString(),
    command: flags.command ?? 'make bench',
    gitCommit: flags.commit ?? 'unknown',
    machine: await collectMachineInfo(classifier?.backend ?? null, flags['load-at-start'] ?? null, otherCpuPercentAtStart, contended),
    classifier,
    preprocess,
    e2e,
    targets: (() => {
      const [embeddedCheck, cassandraCheck] = checkEndToEnd(e2e);
      return [...checkClassifier(classifier), embeddedCheck!, checkServerCpu(e2e), cassandraCheck!, checkStartup(startup), checkMemory(e2e), ...checkPreprocess(preprocess)];
    })(),
    peakMemory: findPeakMemory(e2e),
    cpuByStage: stageSamples !== null && embedded !== undefined ? cpuPerStage(stageSamples.threads, embedded) : null,
    startup,
    notes: flags.note ?? [],
  };
  const markdown = renderMarkdown(results);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(path.join(dir, 'results.md'), markdown);
  process.stdout.write(markdown);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench report: ${errorMessage(error)}\n`);
  process.exitCode = 1;
});
