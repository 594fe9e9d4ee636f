import { setTimeout as sleep } from 'node:timers/promises';
import type { JobView, PodView, ReplayCluster } from './replay-cluster.js';

/**
 * Follows a replay Job until it completes, fails or runs out of time, printing a line each
 * time the picture changes: pods completed out of P, running, failed, and why pods wait
 * (ImagePullBackOff, Pending...), which is what a person needs when a run does not start.
 */

export type JobEnd = 'complete' | 'failed' | 'timeout' | 'gone' | 'aborted';

export interface FollowResult {
  readonly end: JobEnd;
  readonly job: JobView | null;
  /** Why it failed, from the Job's Failed condition. */
  readonly detail: string | null;
}

export interface FollowOptions {
  readonly parallelism: number;
  readonly timeoutMs: number;
  /** @default 2000 */
  readonly pollMs?: number;
  readonly report: (line: string) => void;
  readonly signal?: AbortSignal;
}

/**
 * One progress line, e.g. "pods: 2/4 completed, 1 running, 1 pending, 0 failed; waiting: 1
 * ImagePullBackOff". Completed and failed come from the Job; running and pending from its pods
 * (the Job's "active" counts pods that have not started yet).
 */
export function describeProgress(job: JobView, pods: readonly PodView[], parallelism: number): string {
  const running = pods.filter((p) => p.phase === 'Running').length;
  const pending = pods.filter((p) => p.phase === 'Pending').length;
  const waiting = new Map<string, number>();
  for (const pod of pods) {
    if (pod.phase === 'Pending' && pod.reason !== null) waiting.set(pod.reason, (waiting.get(pod.reason) ?? 0) + 1);
  }
  const waitingText = [...waiting].map(([why, n]) => `${n} ${why}`).join(', ');
  return (
    `pods: ${job.succeeded}/${parallelism} completed, ${running} running, ${pending} pending, ${job.failed} failed` +
    (waitingText === '' ? '' : `; waiting: ${waitingText}`)
  );
}

export async function followJob(cluster: ReplayCluster, name: string, options: FollowOptions): Promise<FollowResult> {
  const deadline = Date.now() + options.timeoutMs;
  let lastLine = '';
  let job: JobView | null = null;
  for (;;) {
    if (options.signal?.aborted) return { end: 'aborted', job, detail: null };
    job = await cluster.readJob(name);
    if (job === null) return { end: 'gone', job, detail: `Job ${name} was deleted while running` };
    const pods = await cluster.listPods(job.uid);
    const line = describeProgress(job, pods, options.parallelism);
    if (line !== lastLine) options.report(line);
    lastLine = line;
    if (job.conditions.some((c) => c.type === 'Complete')) return { end: 'complete', job, detail: null };
    const failed = job.conditions.find((c) => c.type === 'Failed');
    if (failed) return { end: 'failed', job, detail: [failed.reason, failed.message].filter(Boolean).join(': ') || 'Failed' };
    if (Date.now() >= deadline) return { end: 'timeout', job, detail: `not finished after ${Math.round(options.timeoutMs / 1000)} s (${line})` };
    try {
      await sleep(options.pollMs ?? 2000, undefined, { signal: options.signal });
    } catch {
      return { end: 'aborted', job, detail: null };
    }
  }
}
