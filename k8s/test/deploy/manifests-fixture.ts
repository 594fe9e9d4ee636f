import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { DEFAULT_MANIFESTS_FILE, readManifests } from '../../deploy/manifests.js';
import type { KubeObject } from '../../deploy/kube-object.js';
import { REPO_ROOT } from './local-cluster.js';

/**
 * The real manifests of `make synth`. When the file is missing (a fresh clone before synth),
 * it is synthesized the way `make synth` does it; when that fails the test fails saying so.
 */
export async function synthesizedManifests(): Promise<KubeObject[]> {
  const file = path.join(REPO_ROOT, DEFAULT_MANIFESTS_FILE);
  if (!existsSync(file)) {
    const synth = spawnSync(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), ['k8s/synth.ts'], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (synth.status !== 0 || !existsSync(file)) {
      throw new Error(`${DEFAULT_MANIFESTS_FILE} is missing and "tsx k8s/synth.ts" could not write it:\n${synth.stderr}`);
    }
  }
  return readManifests(file);
}

/** The same release in another namespace, so each test run starts from an empty one. */
export function inNamespace(objects: readonly KubeObject[], namespace: string): KubeObject[] {
  return objects.map((object) => {
    const copy = structuredClone(object);
    if (copy.kind === 'Namespace') copy.metadata.name = namespace;
    else if (copy.metadata.namespace !== undefined) copy.metadata.namespace = namespace;
    return copy;
  });
}

/** Finds one object of the manifests by kind and name (throws when it is not there). */
export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`the manifests have no ${kind} ${name}`);
  return found;
}

interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string> };
  spec: {
    containers: { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }[];
    nodeSelector?: Record<string, string>;
    tolerations?: { key: string; operator: string; effect?: string }[];
  };
}

/** What a pod needs to run on the local cluster's KWOK nodes (scripts/kube/nodes.sh). */
export const FAKE_NODE_PLACEMENT = {
  nodeSelector: { type: 'kwok' },
  tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
};

/** Puts a pod template on the KWOK nodes (in place). */
export function placeOnFakeNodes(template: PodTemplateSpec): void {
  template.spec.nodeSelector = { ...template.spec.nodeSelector, ...FAKE_NODE_PLACEMENT.nodeSelector };
  template.spec.tolerations = [...(template.spec.tolerations ?? []), ...FAKE_NODE_PLACEMENT.tolerations];
}

/**
 * The release with every pod on the KWOK nodes: for tests of the deployer's logic, where pods
 * "run" at once and fail on command. The real nodes run the real system (k8s/test/cluster/).
 */
export function onFakeNodes(objects: readonly KubeObject[]): KubeObject[] {
  return objects.map((object) => {
    const copy = structuredClone(object);
    const template = (copy.spec as { template?: PodTemplateSpec } | undefined)?.template;
    if (template?.spec) placeOnFakeNodes(template);
    return copy;
  });
}

/** The keyspace Job made to fail by KWOK (scripts/kube/stages/pod-fail.yaml), with no retries. */
export function withFailingJob(objects: readonly KubeObject[], jobName: string): KubeObject[] {
  const copy = objects.map((o) => structuredClone(o));
  const job = find(copy, 'Job', jobName);
  const spec = job.spec as { backoffLimit?: number; template: PodTemplateSpec };
  spec.backoffLimit = 0;
  spec.template.metadata = { ...spec.template.metadata, labels: { ...spec.template.metadata?.labels, 'mnist-k8s.test/kwok-fail': 'true' } };
  return copy;
}

/** A Deployment whose pods crash-loop (KWOK: scripts/kube/stages/pod-crashloop.yaml). */
export function withCrashLoopingApp(objects: readonly KubeObject[], deploymentName: string): KubeObject[] {
  const copy = objects.map((o) => structuredClone(o));
  const spec = find(copy, 'Deployment', deploymentName).spec as { template: PodTemplateSpec };
  const labels = { ...spec.template.metadata?.labels, 'mnist-k8s.test/kwok-crashloop': 'true' };
  spec.template.metadata = { ...spec.template.metadata, labels };
  return copy;
}

/** A Deployment whose pods ask for more CPU than any node has: they stay Pending. */
export function withUnschedulableApp(objects: readonly KubeObject[], deploymentName: string): KubeObject[] {
  const copy = objects.map((o) => structuredClone(o));
  const spec = find(copy, 'Deployment', deploymentName).spec as { template: PodTemplateSpec };
  for (const container of spec.template.spec.containers) container.resources = { requests: { cpu: '64' }, limits: { cpu: '64' } };
  return copy;
}

/** Writes objects as one multi-document YAML file (for the CLI's --manifests). */
export async function writeManifests(objects: readonly KubeObject[], name: string): Promise<string> {
  const file = path.join(os.tmpdir(), `mnist-deployer-${process.pid}-${name}.yaml`);
  await writeFile(file, objects.map((o) => yaml.dump(o, { noRefs: true })).join('---\n'));
  return file;
}
