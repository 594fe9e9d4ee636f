import type { KubeObject } from './kube-object.js';
import type { ObjectClient } from './object-client.js';

/**
 * The keyspace Job deletes itself some minutes after it finishes (ttlSecondsAfterFinished), so
 * "has this Job already succeeded?" cannot be answered by the Job alone. After a success the
 * deployer writes the Job's spec hash into an annotation of its namespace; a later deploy (or
 * the drift watcher) that finds the Job gone but the same hash recorded knows there is nothing
 * to run. Another spec hash, or no record, means the Job runs again.
 */
export const JOB_RECORD_PREFIX = 'jobs.mnist-k8s.io/';
const RECORD_MANAGER = 'mnist-deployer-jobs';

function namespaceRef(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

/** The spec hash of the last successful run of a Job, if any was recorded. */
export async function readJobRecord(client: ObjectClient, namespace: string, jobName: string): Promise<string | undefined> {
  const live = await client.get(namespaceRef(namespace));
  return live?.metadata.annotations?.[`${JOB_RECORD_PREFIX}${jobName}`];
}

/** Records that a Job with this spec hash succeeded (a no-op write when already recorded). */
export async function recordJobSuccess(client: ObjectClient, namespace: string, jobName: string, hash: string): Promise<void> {
  const patch = { metadata: { annotations: { [`${JOB_RECORD_PREFIX}${jobName}`]: hash } } };
  await client.mergePatch(namespaceRef(namespace), patch, RECORD_MANAGER);
}
