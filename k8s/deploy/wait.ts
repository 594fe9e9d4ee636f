import type { V1LabelSelector } from '@kubernetes/client-node';
import type { Clients } from './clients.js';
import { DeployError } from './errors.js';
import { diagnoseWorkload, findPullFailures } from './diagnose.js';
import { type KubeObject, toRef } from './kube-object.js';
import type { WaitKind } from './plan.js';
import type { Report } from './progress.js';
import { measureDaemonSet, measureDeployment, measureJob, type Progress, measureStatefulSet } from './rollout.js';
import { sleep } from './time.js';

export interface WaitOptions {
  /** When to give up (ms since the epoch): the deploy's --timeout, shared by every wait. */
  readonly deadlineMs: number;
  /** The --timeout as given, for the message. */
  readonly timeoutLabel: string;
  readonly report: Report;
  readonly pollMs?: number;
  /** Reported again at least this often while nothing changes, so a person sees it is alive. */
  readonly heartbeatMs?: number;
  /**
   * How long an image may fail to pull before the wait gives up (default 90 s): kubelet retries
   * for ever, but an image missing from the node (not `kind load`ed, a typo in the tag) never
   * appears by itself, and a person should hear it now, not at the --timeout.
   */
  readonly pullGiveUpMs?: number;
}

const PULL_CHECK_EVERY_MS = 10_000;

/**
 * Polls a workload until it is rolled out (StatefulSet, Deployment, DaemonSet) or succeeded
 * (Job), reporting ready counts as they change. A failed Job or stalled rollout, or the deadline,
 * ends in a DeployError that says why: the pods that look wrong and their last log lines.
 */
export async function waitFor(clients: Clients, object: KubeObject, kind: WaitKind, options: WaitOptions): Promise<void> {
  const ref = toRef(object);
  const namespace = object.metadata.namespace ?? 'default';
  const startedMs = Date.now();
  let last = '';
  let lastReportMs = 0;
  let lastPullCheckMs = 0;
  let pullFailingSinceMs: number | undefined;
  for (;;) {
    const { progress, selector } = await readProgress(clients, object.kind, object.metadata.name, namespace);
    const seconds = Math.round((Date.now() - startedMs) / 1000);
    if (progress.done) {
      const what = kind === 'job' ? `succeeded (${progress.ready}/${progress.desired} completions)` : `${progress.ready}/${progress.desired} ready`;
      options.report({ type: 'ready', ref, detail: `${what} after ${seconds}s` });
      return;
    }
    if (progress.failed !== undefined) {
      const why = await diagnoseWorkload(clients, namespace, object.metadata.name, selector);
      throw new DeployError([`${ref} failed: ${progress.failed}`, ...why.map((l) => `  ${l}`)].join('\n'));
    }
    const now = `${progress.ready}/${progress.desired}/${progress.detail ?? ''}`;
    if (now !== last || Date.now() - lastReportMs >= (options.heartbeatMs ?? 15_000)) {
      const noun = kind === 'job' ? 'complete' : 'ready';
      options.report({ type: 'waiting', ref, ready: progress.ready, desired: progress.desired, noun, detail: progress.detail });
      last = now;
      lastReportMs = Date.now();
    }
    if (Date.now() - lastPullCheckMs >= PULL_CHECK_EVERY_MS) {
      lastPullCheckMs = Date.now();
      const failures = await findPullFailures(clients, namespace, selector);
      pullFailingSinceMs = failures.length === 0 ? undefined : (pullFailingSinceMs ?? Date.now());
      if (pullFailingSinceMs !== undefined && Date.now() - pullFailingSinceMs >= (options.pullGiveUpMs ?? 90_000)) {
        const head = `${ref}: an image cannot be pulled (for ${Math.round((Date.now() - pullFailingSinceMs) / 1000)}s); is it loaded into the nodes or pushed to the registry?`;
        throw new DeployError([head, ...failures.map((l) => `  ${l}`)].join('\n'));
      }
    }
    if (Date.now() >= options.deadlineMs) {
      const why = await diagnoseWorkload(clients, namespace, object.metadata.name, selector);
      const head = `timed out (--timeout ${options.timeoutLabel}) waiting for ${ref}: ${progress.ready}/${progress.desired} ready`;
      throw new DeployError([head, ...why.map((l) => `  ${l}`)].join('\n'));
    }
    await sleep(Math.min(options.pollMs ?? 1000, Math.max(0, options.deadlineMs - Date.now())));
  }
}

async function readProgress(
  clients: Clients,
  kind: string,
  name: string,
  namespace: string,
): Promise<{ progress: Progress; selector: V1LabelSelector | undefined }> {
  switch (kind) {
    case 'StatefulSet': {
      const sts = await clients.apps.readNamespacedStatefulSet({ name, namespace });
      return { progress: measureStatefulSet(sts), selector: sts.spec?.selector };
    }
    case 'Deployment': {
      const deployment = await clients.apps.readNamespacedDeployment({ name, namespace });
      return { progress: measureDeployment(deployment), selector: deployment.spec?.selector };
    }
    case 'DaemonSet': {
      const ds = await clients.apps.readNamespacedDaemonSet({ name, namespace });
      return { progress: measureDaemonSet(ds), selector: ds.spec?.selector };
    }
    case 'Job': {
      const job = await clients.batch.readNamespacedJob({ name, namespace });
      return { progress: measureJob(job), selector: job.spec?.selector };
    }
    default:
      throw new Error(`cannot wait for kind ${kind}`);
  }
}
