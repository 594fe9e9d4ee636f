import type { V1DaemonSet, V1Deployment, V1Job, V1StatefulSet } from '@kubernetes/client-node';

/** How far a workload is: ready out of desired, done when fully rolled out, failed with a reason. */
export interface Progress {
  readonly ready: number;
  readonly desired: number;
  readonly done: boolean;
  readonly failed?: string;
  /** A short note for people: "2 updated, 1 old pod terminating". */
  readonly detail?: string;
}

/** Like `kubectl rollout status statefulset`: every replica ready and on the update revision. */
export function measureStatefulSet(sts: V1StatefulSet): Progress {
  const desired = sts.spec?.replicas ?? 1;
  const status = sts.status;
  const ready = status?.readyReplicas ?? 0;
  const observed = (status?.observedGeneration ?? 0) >= (sts.metadata?.generation ?? 0);
  const updated = status?.updatedReplicas ?? 0;
  const onRevision = status?.updateRevision === undefined || status.currentRevision === status.updateRevision;
  const done = observed && ready >= desired && (updated >= desired || onRevision);
  return { ready, desired, done, detail: done || updated >= desired ? undefined : `${updated}/${desired} updated` };
}

/** Like `kubectl rollout status deployment`: observed, all updated, all available, no old pods. */
export function measureDeployment(deployment: V1Deployment): Progress {
  const desired = deployment.spec?.replicas ?? 1;
  const status = deployment.status;
  const observed = (status?.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0);
  const updated = status?.updatedReplicas ?? 0;
  const total = status?.replicas ?? 0;
  const available = status?.availableReplicas ?? 0;
  const ready = Math.min(status?.readyReplicas ?? 0, updated);
  const stalled = status?.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
  const done = observed && updated >= desired && total <= updated && available >= desired;
  const old = total - updated;
  return {
    ready,
    desired,
    done,
    failed: stalled ? `rollout stalled: ${stalled.message ?? 'progress deadline exceeded'}` : undefined,
    detail: old > 0 && !done ? `${old} old pod${old === 1 ? '' : 's'} still running` : undefined,
  };
}

export function measureDaemonSet(ds: V1DaemonSet): Progress {
  const desired = ds.status?.desiredNumberScheduled ?? 0;
  const ready = ds.status?.numberReady ?? 0;
  const observed = (ds.status?.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0);
  const updated = ds.status?.updatedNumberScheduled ?? 0;
  return { ready, desired, done: observed && ready >= desired && updated >= desired };
}

/** A Job is done when its Complete condition is True, failed when Failed is. */
export function measureJob(job: V1Job): Progress {
  const desired = job.spec?.completions ?? 1;
  const ready = job.status?.succeeded ?? 0;
  const conditions = job.status?.conditions ?? [];
  const complete = conditions.some((c) => c.type === 'Complete' && c.status === 'True');
  const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
  const active = job.status?.active ?? 0;
  return {
    ready,
    desired,
    done: complete,
    failed: failed ? `${failed.reason ?? 'Failed'}: ${failed.message ?? 'the Job failed'}` : undefined,
    detail: active > 0 ? `${active} running` : undefined,
  };
}
