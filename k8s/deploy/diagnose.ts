import type { CoreV1Event, V1LabelSelector } from '@kubernetes/client-node';
import type { Clients } from './clients.js';
import { findPodProblem, pickNewest } from './pod-problems.js';
import { errorMessage } from '../lib/errors.js';

const MAX_PODS_EXPLAINED = 3;
const LOG_LINES = 10;

/** `{ matchLabels: {a: b} }` as the `a=b` string a list call takes. */
export function toLabelSelector(selector: V1LabelSelector | undefined): string {
  return Object.entries(selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * Why a workload is not progressing, as lines for a person: the pods that look wrong (up to
 * three) with their last log lines, or, when there are no pods at all, the warnings of the
 * workload and its ReplicaSets (a missing ServiceAccount, a quota...).
 */
export async function diagnoseWorkload(
  clients: Clients,
  namespace: string,
  workloadName: string,
  selector: V1LabelSelector | undefined,
): Promise<string[]> {
  const [pods, events] = await Promise.all([
    clients.core.listNamespacedPod({ namespace, labelSelector: toLabelSelector(selector) }),
    clients.core.listNamespacedEvent({ namespace }).then((list) => list.items),
  ]);
  const lines: string[] = [];
  let explained = 0;
  // Newest first: during a rollout the new ReplicaSet's pods say why it is stuck.
  const newestFirst = [...pods.items].sort(
    (a, b) => (b.metadata?.creationTimestamp?.valueOf() ?? 0) - (a.metadata?.creationTimestamp?.valueOf() ?? 0),
  );
  for (const pod of newestFirst) {
    const problem = findPodProblem(pod, events);
    if (problem === null || explained >= MAX_PODS_EXPLAINED) continue;
    explained++;
    lines.push(problem.summary);
    if (problem.logs !== undefined) {
      lines.push(...(await lastLogLines(clients, namespace, pod.metadata?.name ?? '', problem.logs)));
    }
  }
  if (pods.items.length === 0) {
    lines.push(`no pods of ${workloadName} exist yet`);
    const warning = pickNewest(workloadWarnings(events, workloadName));
    if (warning !== undefined) lines.push(`${warning.involvedObject.kind} ${warning.involvedObject.name}: ${warning.reason}: ${warning.message}`);
  }
  return lines;
}

/** The workload's pods that cannot pull an image, one line each (empty when none). */
export async function findPullFailures(clients: Clients, namespace: string, selector: V1LabelSelector | undefined): Promise<string[]> {
  const pods = await clients.core.listNamespacedPod({ namespace, labelSelector: toLabelSelector(selector) });
  return pods.items.map((pod) => findPodProblem(pod, [])).filter((p) => p?.pullFailure === true).map((p) => p!.summary);
}

function workloadWarnings(events: readonly CoreV1Event[], workloadName: string): CoreV1Event[] {
  return events.filter(
    (e) => e.type === 'Warning' && e.involvedObject.kind !== 'Pod' && (e.involvedObject.name ?? '').startsWith(workloadName),
  );
}

async function lastLogLines(
  clients: Clients,
  namespace: string,
  pod: string,
  logs: { container: string; previous: boolean },
): Promise<string[]> {
  try {
    const text = await clients.core.readNamespacedPodLog({
      name: pod,
      namespace,
      container: logs.container,
      previous: logs.previous,
      tailLines: LOG_LINES,
    });
    const lines = text.trimEnd().split('\n').filter((l) => l !== '');
    if (lines.length === 0) return ['  (its log is empty)'];
    return [`  last ${lines.length} log line${lines.length === 1 ? '' : 's'} of ${pod}/${logs.container}:`, ...lines.map((l) => `    ${l}`)];
  } catch (error) {
    const message = errorMessage(error).split('\n')[0];
    return [`  (no logs of ${pod}/${logs.container}: ${message})`];
  }
}
