import path from 'node:path';
import { collectReports, type CollectedShard } from './collect-reports.js';
import { followJob, type FollowResult } from './follow-job.js';
import { runMerge } from './merge-runner.js';
import type { ReplayCluster } from './replay-cluster.js';
import { synthesizeReplayJob, type ClusterReplayPlan } from './replay-manifest.js';

/**
 * A cluster-scale replay, start to end: create the indexed Job, follow it, collect every pod's
 * report from its log, merge them into one cluster-wide report with the app's `replay merge`.
 * Whatever happens, the shards that did report are merged, so a failed pod still leaves a
 * (partial, flagged) report behind.
 */

export interface ClusterReplayOptions {
  readonly timeoutMs: number;
  /** Where shard logs, shard reports and (without --out) the merged report go. */
  readonly workDir: string;
  readonly out?: string | undefined;
  readonly chart?: string | undefined;
  readonly thresholdArgs: readonly string[];
  readonly mergeCommand: readonly string[];
  /** Delete the Job (and its pods) after collecting; an aborted run's Job is always deleted. */
  readonly deleteAfter: boolean;
  readonly report: (line: string) => void;
  readonly signal?: AbortSignal | undefined;
  /** @default 2000 */
  readonly pollMs?: number | undefined;
}

export interface ClusterReplayResult {
  readonly follow: FollowResult;
  readonly shards: readonly CollectedShard[];
  /** Merged report path, or null when no shard reported. */
  readonly mergedFile: string | null;
  /** 0 only when every pod succeeded, every shard reported and the thresholds held. */
  readonly exitCode: number;
}

export async function runClusterReplay(cluster: ReplayCluster, plan: ClusterReplayPlan, options: ClusterReplayOptions): Promise<ClusterReplayResult> {
  const manifest = synthesizeReplayJob(plan);
  const load = plan.rateRps !== undefined ? `${plan.rateRps} req/s in total` : `${plan.concurrency ?? 32} clients per pod`;
  options.report(
    `creating Job ${plan.namespace}/${plan.name}: ${plan.parallelism} pods of ${plan.image}, ${plan.source} source, ` +
      `${plan.n ?? (plan.duration ? `for ${plan.duration}` : 'every item once')}${plan.n ? ' requests' : ''}, ${load}, against ${plan.url}`,
  );
  await cluster.createJob(manifest);
  const follow = await followJob(cluster, plan.name, {
    parallelism: plan.parallelism,
    timeoutMs: options.timeoutMs,
    pollMs: options.pollMs,
    report: options.report,
    signal: options.signal,
  });
  if (follow.end !== 'complete') options.report(`Job ${plan.name} ${follow.end}${follow.detail ? `: ${follow.detail}` : ''}`);

  const pods = follow.job === null ? [] : await cluster.listPods(follow.job.uid);
  const shards = await collectReports(cluster, pods, options.workDir);
  for (const shard of shards) {
    if (shard.problem !== null) options.report(`shard ${shard.index} (${shard.pod}): ${shard.problem}; log in ${shard.logFile}`);
  }
  const reportFiles = shards.flatMap((s) => (s.reportFile === null ? [] : [s.reportFile]));
  options.report(`collected ${reportFiles.length}/${plan.parallelism} shard reports into ${options.workDir}`);

  let mergedFile: string | null = null;
  let mergeCode = 1;
  if (reportFiles.length > 0) {
    mergedFile = options.out ?? path.join(options.workDir, 'merged.json');
    mergeCode = await runMerge({
      command: options.mergeCommand,
      reportFiles,
      out: mergedFile,
      chart: options.chart,
      thresholdArgs: options.thresholdArgs,
      print: options.report,
    });
  }
  // An interrupted run must not leave pods sending load.
  if ((options.deleteAfter || follow.end === 'aborted') && follow.end !== 'gone') {
    await cluster.deleteJob(plan.name);
    options.report(`deleted Job ${plan.name}`);
  }
  const everyShard = reportFiles.length === plan.parallelism;
  const exitCode = follow.end === 'complete' && everyShard ? mergeCode : 1;
  return { follow, shards, mergedFile, exitCode };
}
