import type { KubeObject } from './kube-object.js';
import type { ObjectClient } from './object-client.js';
import type { ApplyResult } from './progress.js';
import { applyJob } from './jobs.js';

export interface ApplyOutcome {
  readonly result: ApplyResult;
  readonly detail?: string;
  /** Nothing to wait for: the object is known to have finished already (a Job removed by its TTL). */
  readonly settled?: boolean;
}

/**
 * Server-side applies one object and tells what that did. A no-op apply leaves the stored
 * object (and so its resourceVersion) as it was, which is how "unchanged" is told apart from
 * "configured" without diffing. Jobs go through applyJob: their pod template is immutable.
 */
export async function applyObject(client: ObjectClient, object: KubeObject, dryRun: boolean): Promise<ApplyOutcome> {
  if (object.kind === 'Job') return applyJob(client, object, dryRun);
  const before = await client.get(object);
  const after = await client.apply(object, { dryRun });
  if (dryRun) return { result: 'valid', detail: before === null ? 'would be created' : undefined };
  if (before === null) return { result: 'created' };
  return { result: before.metadata.resourceVersion === after.metadata.resourceVersion ? 'unchanged' : 'configured' };
}
