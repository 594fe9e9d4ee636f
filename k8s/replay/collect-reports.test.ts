import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { collectReports, extractReportLine, pickPodPerIndex } from './collect-reports.js';
import type { PodView, ReplayCluster } from './replay-cluster.js';

/** Logs recorded from real `replay --shard i/3` runs (progress, summary, then the JSON report). */
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const readFixture = (i: number): Promise<string> => readFile(path.join(FIXTURES, `pod-shard-${i}.log`), 'utf8');

function pod(name: string, index: number | null, phase: string, createdAtMs: number, reason: string | null = null): PodView {
  return { name, index, phase, reason, createdAtMs };
}

describe('collecting shard reports from pod logs', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finds the JSON report on the last line of a recorded pod log', async () => {
    const line = extractReportLine(await readFixture(1));
    expect(JSON.parse(line!)).toMatchObject({ schema: 'mnist-replay/1', shard: { index: 1, count: 3 }, requests: 10 });
  });

  it('finds no report in a log cut short, or one that only has progress lines', async () => {
    const log = await readFixture(0);
    expect(extractReportLine(log.slice(0, log.length - 40))).toBeNull();
    expect(extractReportLine('[####....] 4/10 40% | 12 req/s\n{"level":"error","msg":"boom"}\n')).toBeNull();
  });

  it('takes the succeeded pod of an index that was retried, else the newest', () => {
    const chosen = pickPodPerIndex([
      pod('r-0-a', 0, 'Failed', 1, 'Error'),
      pod('r-0-b', 0, 'Succeeded', 2),
      pod('r-1-a', 1, 'Failed', 1, 'Error'),
      pod('r-1-b', 1, 'Failed', 3, 'OOMKilled'),
      pod('stray', null, 'Running', 5),
    ]);
    expect([...chosen.entries()].map(([i, p]) => [i, p.name])).toEqual([[0, 'r-0-b'], [1, 'r-1-b']]);
  });

  it('writes each report and each log, and says why a shard has none', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'collect-'));
    const logs: Record<string, string> = { 'r-0': await readFixture(0), 'r-1': 'Error: connect ECONNREFUSED 10.0.0.1:80\n' };
    const cluster = {
      readLog: async (name: string) => {
        if (name === 'r-2') throw new Error('pods "r-2" not found');
        return logs[name]!;
      },
    } as unknown as ReplayCluster;
    const shards = await collectReports(cluster, [pod('r-0', 0, 'Succeeded', 1), pod('r-1', 1, 'Failed', 1, 'Error'), pod('r-2', 2, 'Failed', 1)], dir);
    expect(shards.map((s) => [s.index, s.reportFile === null ? null : path.basename(s.reportFile), s.problem])).toEqual([
      [0, 'shard-0.json', null],
      [1, null, 'no report in the log (pod Failed, Error)'],
      [2, null, 'cannot read log: pods "r-2" not found'],
    ]);
    expect(JSON.parse(await readFile(shards[0]!.reportFile!, 'utf8'))).toMatchObject({ shard: { index: 0, count: 3 } });
    expect(await readFile(shards[1]!.logFile, 'utf8')).toContain('ECONNREFUSED');
  });
});
