import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from './kube-object.js';
import type { ObjectClient } from './object-client.js';
import type { ApplyOutcome } from './progress.js';

/** Annotation holding the hash of the Job spec the deployer applied (images included). */
export const SPEC_HASH_ANNOTATION = 'mnist-k8s.io/spec-hash';

/**
 * A Job's pod template cannot be changed once created, so the deployer keeps the manifest's
 * name (other objects and people refer to it) and decides by a hash of its spec instead:
 *  - missing: create it, unless the same spec already succeeded (readJobRecord below: the
 *    Job's TTL deletes it after it finishes);
 *  - same hash and not failed: leave it (a finished bootstrap is not run again);
 *  - same hash but failed: delete and create it again, so a re-deploy retries;
 *  - different hash: delete (with its pods) and create it again.
 * Images are part of the hash: the schema migrations ship in the app image, and a new app
 * refuses to start on an older keyspace, so a new image re-runs the bootstrap (idempotent: it
 * applies only the migrations the keyspace lacks) before the app rolls.
 */
export function hashJobSpec(job: KubeObject): string {
  return createHash('sha256').update(stringifyCanonical(job.spec ?? null)).digest('hex').slice(0, 16);
}

/** Applies a Job by the rules above; `dryRun` validates without touching the live one. */
export async function applyJob(client: ObjectClient, job: KubeObject, dryRun: boolean): Promise<ApplyOutcome> {
  const hash = hashJobSpec(job);
  const desired: KubeObject = {
    ...job,
    metadata: { ...job.metadata, annotations: { ...job.metadata.annotations, [SPEC_HASH_ANNOTATION]: hash } },
  };
  const live = await client.get(desired);
  if (live === null && (await readJobRecord(client, namespaceOf(job), job.metadata.name)) === hash) {
    return { result: dryRun ? 'valid' : 'unchanged', detail: 'succeeded earlier, removed by its TTL', settled: true };
  }
  if (live === null) {
    await client.apply(desired, { dryRun });
    return dryRun ? { result: 'valid', detail: 'would be created' } : { result: 'created' };
  }
  const sameSpec = live.metadata.annotations?.[SPEC_HASH_ANNOTATION] === hash;
  if (sameSpec && !hasCondition(live, 'Failed')) {
    return dryRun ? { result: 'valid', detail: 'unchanged' } : { result: 'unchanged' };
  }
  const why = sameSpec ? 'its last run failed' : 'its spec changed';
  if (dryRun) {
    // The live Job blocks its name: validate the new one under a generated name instead.
    const { name, ...metadata } = desired.metadata;
    await client.create({ ...desired, metadata: { ...metadata, name: '', generateName: `${name}-` } }, { dryRun: true });
    return { result: 'valid', detail: `would be recreated: ${why}` };
  }
  await client.delete(live);
  await waitUntilGone(client, live);
  await client.apply(desired);
  return { result: 'recreated', detail: why };
}

function namespaceOf(job: KubeObject): string {
  return job.metadata.namespace ?? 'default';
}

function hasCondition(job: KubeObject, type: string): boolean {
  const conditions = (job.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
  return (conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

async function waitUntilGone(client: ObjectClient, object: KubeObject, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await client.get(object)) !== null) {
    if (Date.now() > deadline) throw new Error(`${object.kind} ${object.metadata.name} was not deleted within ${timeoutMs / 1000}s`);
    await sleep(250);
  }
}

/** JSON with object keys sorted, so equal specs hash equal whatever their key order. */
export function stringifyCanonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stringifyCanonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stringifyCanonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

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
