import type { KubeObject } from './kube-object.js';
import type { ObjectClient } from './object-client.js';
import type { ApplyOutcome } from './progress.js';
import { applyJob, stringifyCanonical } from './jobs.js';

/**
 * The part of an object that applying manifests can change: everything but status and the
 * fields the API server maintains on every write. Controllers update status (and so the
 * resourceVersion) at any moment, so comparing resourceVersions would report changes that
 * the deployer did not make.
 */
export function fingerprintDesiredState(object: KubeObject): string {
  const { status: _status, metadata, ...rest } = object;
  const { resourceVersion: _rv, managedFields: _mf, generation: _gen, ...meta } = metadata;
  return stringifyCanonical({ ...rest, metadata: meta });
}

/**
 * Server-side applies one object and tells what that did. A server-side dry run first shows
 * what the object would become; when that equals what is stored, nothing is written
 * ("unchanged"), else the apply is made for real ("created" or "configured"). Jobs go through
 * applyJob: their pod template is immutable.
 */
export async function applyObject(client: ObjectClient, object: KubeObject, dryRun: boolean): Promise<ApplyOutcome> {
  if (object.kind === 'Job') return applyJob(client, object, dryRun);
  const before = await client.get(object);
  const preview = await client.apply(object, { dryRun: true });
  const same = before !== null && fingerprintDesiredState(before) === fingerprintDesiredState(preview);
  if (dryRun) return { result: 'valid', detail: before === null ? 'would be created' : same ? 'unchanged' : 'would change' };
  if (same) return { result: 'unchanged' };
  await client.apply(object);
  return { result: before === null ? 'created' : 'configured' };
}
