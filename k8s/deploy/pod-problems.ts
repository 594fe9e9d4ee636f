import type { CoreV1Event, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

/** What is wrong with one pod, in a person's words, and whose log would show why. */
export interface PodProblem {
  readonly summary: string;
  readonly logs?: { readonly container: string; readonly previous: boolean };
  /** The image cannot be pulled: it will not fix itself unless the image appears. */
  readonly pullFailure?: boolean;
}

const PULL_FAILURES = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);

/**
 * Reads a pod's status and its events the way a person would with `kubectl describe`: not
 * scheduled (and the scheduler's event), crash-looping, failing to pull, exited with an error,
 * running but not ready. Null when nothing looks wrong.
 */
export function findPodProblem(pod: V1Pod, events: readonly CoreV1Event[]): PodProblem | null {
  const name = pod.metadata?.name ?? '?';
  if (pod.metadata?.deletionTimestamp !== undefined) return null;
  const mine = events.filter((e) => e.involvedObject.kind === 'Pod' && e.involvedObject.name === name);
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (pod.status?.phase === 'Pending' && scheduled?.status === 'False') {
    const event = pickNewest(mine.filter((e) => e.reason === 'FailedScheduling'));
    return { summary: `pod ${name} is Pending, not scheduled: ${event?.message ?? scheduled.message ?? scheduled.reason ?? 'no reason given'}` };
  }
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const status of statuses) {
    const problem = findContainerProblem(name, status, pod.status?.phase);
    if (problem !== null) return problem;
  }
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const warning = pickNewest(mine.filter((e) => e.type === 'Warning'));
  if (pod.status?.phase === 'Running' && ready?.status !== 'True') {
    return { summary: `pod ${name} is Running but not Ready${warning ? `: ${warning.reason}: ${warning.message}` : ''}` };
  }
  if (pod.status?.phase === 'Pending' && warning !== undefined) {
    return { summary: `pod ${name} is Pending on ${pod.spec?.nodeName ?? 'a node'}: ${warning.reason}: ${warning.message}` };
  }
  return null;
}

function findContainerProblem(pod: string, status: V1ContainerStatus, phase: string | undefined): PodProblem | null {
  const who = `container ${status.name} of pod ${pod}`;
  const waiting = status.state?.waiting;
  if (waiting?.reason === 'CrashLoopBackOff') {
    const last = status.lastState?.terminated;
    const exit = last ? `; last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}` : '';
    return {
      summary: `${who} is crash-looping: restarted ${status.restartCount} time${status.restartCount === 1 ? '' : 's'}${exit}`,
      logs: { container: status.name, previous: true },
    };
  }
  if (waiting?.reason !== undefined && PULL_FAILURES.has(waiting.reason)) {
    return {
      summary: `${who} cannot pull image ${status.image}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`,
      pullFailure: true,
    };
  }
  if (waiting?.reason === 'CreateContainerConfigError' || waiting?.reason === 'CreateContainerError') {
    return { summary: `${who} cannot start: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` };
  }
  const terminated = status.state?.terminated;
  if (terminated !== undefined && terminated.exitCode !== 0 && (phase === 'Failed' || status.restartCount === 0)) {
    const why = [terminated.reason, terminated.message].filter(Boolean).join(': ');
    return { summary: `${who} exited with code ${terminated.exitCode}${why ? ` (${why})` : ''}`, logs: { container: status.name, previous: false } };
  }
  return null;
}

/** The most recent event of a list (by last time seen), if any. */
export function pickNewest(events: readonly CoreV1Event[]): CoreV1Event | undefined {
  const timeOf = (e: CoreV1Event) =>
    (e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp)?.valueOf() ?? 0;
  return [...events].sort((a, b) => timeOf(b) - timeOf(a))[0];
}
