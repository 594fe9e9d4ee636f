#!/usr/bin/env node
/**
 * The local cluster's storage (`make kube-up` runs it beside the control plane): a dynamic
 * provisioner for the StorageClass `standard`, the name kind's default class has, so the
 * StatefulSet's claims bind here as they do on kind.
 *
 * Each claim gets a directory under the volumes root and a `local` PersistentVolume pre-bound to
 * it; when the claim is deleted the directory and the volume go too (reclaim policy Delete). The
 * real nodes of the local cluster share one filesystem, so a volume may be mounted on any of
 * them (node affinity: every Linux node) and a pod that moves keeps its data. `local`, not
 * `hostPath`: the kubelet applies a pod's fsGroup to local volumes, so Cassandra (uid 999) owns
 * its data directory as it would on a real disk.
 *
 * Level-triggered: every pass lists claims and volumes and repairs the difference, so a restart
 * or a missed event costs nothing.
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig, type V1PersistentVolume, type V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { planVolumeWork, PROVISIONER_NAME, STORAGE_CLASS, volumeFor } from './volume-plan.js';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    root: { type: 'string' },
    'interval-ms': { type: 'string', default: '1000' },
  },
});
if (!values.kubeconfig || !values.root) {
  process.stderr.write('usage: volume-provisioner --kubeconfig <file> --root <dir> [--interval-ms 1000]\n');
  process.exit(2);
}
const root = path.resolve(values.root);
const intervalMs = Number(values['interval-ms']);
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(values.kubeconfig);
const core = kubeConfig.makeApiClient(CoreV1Api);

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

async function provision(claim: V1PersistentVolumeClaim): Promise<void> {
  const volume = volumeFor(claim, root);
  // World-writable like a fresh disk's mount point: the kubelet narrows it with the pod's fsGroup.
  await mkdir(volume.spec!.local!.path, { recursive: true, mode: 0o777 });
  try {
    await core.createPersistentVolume({ body: volume });
    log(`provisioned ${volume.metadata!.name} for ${claim.metadata!.namespace}/${claim.metadata!.name} at ${volume.spec!.local!.path}`);
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
}

async function reclaim(volume: V1PersistentVolume): Promise<void> {
  const dir = volume.spec?.local?.path;
  // Only directories this provisioner made: never follow a path outside the root.
  if (dir && path.dirname(dir) === root) await rm(dir, { recursive: true, force: true });
  try {
    await core.deletePersistentVolume({ name: volume.metadata!.name! });
    log(`reclaimed ${volume.metadata!.name} (${dir})`);
  } catch (error) {
    if ((error as { code?: number }).code !== 404) throw error;
  }
}

async function pass(): Promise<void> {
  const [claims, volumes] = await Promise.all([
    core.listPersistentVolumeClaimForAllNamespaces(),
    core.listPersistentVolume(),
  ]);
  const work = planVolumeWork(claims.items, volumes.items);
  for (const claim of work.toProvision) await provision(claim);
  for (const volume of work.toReclaim) await reclaim(volume);
}

await mkdir(root, { recursive: true });
log(`provisioner ${PROVISIONER_NAME} for StorageClass ${STORAGE_CLASS}: volumes under ${root}`);
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => { stopping = true; });
while (!stopping) {
  try {
    await pass();
  } catch (error) {
    log(`pass failed (retrying): ${error instanceof Error ? error.message : String(error)}`);
  }
  await sleep(intervalMs);
}
