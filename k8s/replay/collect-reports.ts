import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PodView, ReplayCluster } from './replay-cluster.js';
import { errorMessage } from '../lib/errors.js';

/**
 * Collects each shard's JSON report from its pod's log. The app's replay command prints its
 * report as the last JSON line of its output; this side does not import the app (app/ and k8s/
 * meet only in files and flags): it finds that line, checks it names the report schema, and
 * writes it to shard-<i>.json (with the whole log beside it) for the app's `replay merge`.
 */

/** Prefix of the app's report schema id ("mnist-replay/1"). */
const REPORT_SCHEMA_PREFIX = 'mnist-replay/';

export interface CollectedShard {
  readonly index: number;
  readonly pod: string;
  /** shard-<i>.json, or null when the pod's log holds no report. */
  readonly reportFile: string | null;
  readonly logFile: string;
  /** Why there is no report. */
  readonly problem: string | null;
}

/** The last line of a log that is a JSON object carrying the replay report schema, or null. */
export function extractReportLine(log: string): string | null {
  const lines = log.split('\n');
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const line = lines[i]!.trim();
    if (!line.startsWith('{')) continue;
    try {
      const value = JSON.parse(line) as { schema?: unknown };
      if (typeof value.schema === 'string' && value.schema.startsWith(REPORT_SCHEMA_PREFIX)) return line;
    } catch {
      // a truncated or unrelated line: keep looking upwards
    }
  }
  return null;
}

/**
 * One pod per completion index: the Succeeded one if any (a retried index leaves failed pods
 * behind), else the newest, so its log explains what went wrong.
 */
export function pickPodPerIndex(pods: readonly PodView[]): Map<number, PodView> {
  const chosen = new Map<number, PodView>();
  for (const pod of pods) {
    if (pod.index === null) continue;
    const current = chosen.get(pod.index);
    const better =
      current === undefined ||
      (pod.phase === 'Succeeded' && current.phase !== 'Succeeded') ||
      (pod.phase === current.phase && pod.createdAtMs > current.createdAtMs);
    if (better) chosen.set(pod.index, pod);
  }
  return chosen;
}

/** Reads the chosen, finished pod of every index and writes its report and log into `dir`. */
export async function collectReports(cluster: ReplayCluster, pods: readonly PodView[], dir: string): Promise<CollectedShard[]> {
  await mkdir(dir, { recursive: true });
  const chosen = [...pickPodPerIndex(pods).values()].sort((a, b) => a.index! - b.index!);
  return Promise.all(
    chosen.map(async (pod): Promise<CollectedShard> => {
      const index = pod.index!;
      const logFile = path.join(dir, `shard-${index}.log`);
      if (pod.phase !== 'Succeeded' && pod.phase !== 'Failed') {
        // A pod that has not finished has no report yet (and a waiting one no log at all).
        await writeFile(logFile, '');
        return { index, pod: pod.name, reportFile: null, logFile, problem: `pod not finished (${pod.phase}${pod.reason ? `, ${pod.reason}` : ''})` };
      }
      let log: string;
      try {
        log = await cluster.readLog(pod.name);
      } catch (error) {
        await writeFile(logFile, '');
        return { index, pod: pod.name, reportFile: null, logFile, problem: `cannot read log: ${errorMessage(error)}` };
      }
      await writeFile(logFile, log);
      const line = extractReportLine(log);
      if (line === null) {
        return { index, pod: pod.name, reportFile: null, logFile, problem: `no report in the log (pod ${pod.phase}${pod.reason ? `, ${pod.reason}` : ''})` };
      }
      const reportFile = path.join(dir, `shard-${index}.json`);
      await writeFile(reportFile, `${line}\n`);
      return { index, pod: pod.name, reportFile, logFile, problem: null };
    }),
  );
}
