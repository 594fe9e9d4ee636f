import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMES } from '../../lib/names.js';
import { fingerprintDesiredState } from '../../deploy/apply-object.js';
import type { Clients } from '../../deploy/clients.js';
import { deploy, type DeploySummary } from '../../deploy/deploy.js';
import type { KubeObject } from '../../deploy/kube-object.js';
import { createEventLog, type TimedEvent } from '../../deploy/progress.js';
import { readStatus } from '../../deploy/status.js';
import { runCli, startCli } from './cli-process.js';
import { CLUSTER_START_TIMEOUT_MS, ensureLocalCluster, localClients, stopLocalCluster } from './local-cluster.js';
import { find, inNamespace, onFakeNodes, synthesizedManifests, writeManifests } from './manifests-fixture.js';

// One release, deployed into a namespace of its own, taken through its life in order.
const namespace = `mnist-it-${Date.now().toString(36)}`;
let clients: Clients;
let manifests: KubeObject[];
let manifestsFile: string;
let startedHere = false;

beforeAll(async () => {
  startedHere = ensureLocalCluster().startedHere;
  clients = localClients();
  manifests = onFakeNodes(inNamespace(await synthesizedManifests(), namespace));
  manifestsFile = await writeManifests(manifests, 'lifecycle');
}, CLUSTER_START_TIMEOUT_MS);

afterAll(async () => {
  if (clients) await clients.objects.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  if (startedHere) stopLocalCluster();
});

/**
 * Every object of the release as stored, less status (controllers write that at any time), to
 * prove a deploy wrote nothing.
 */
async function storedState(objects: readonly KubeObject[]): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const object of objects) {
    const live = await clients.objects.get(object);
    out[`${object.kind}/${object.metadata.name}`] = live === null ? null : fingerprintDesiredState(live);
  }
  return out;
}

async function deployLogged(objects: KubeObject[], extra: { dryRun?: boolean; image?: string } = {}): Promise<{ summary: DeploySummary; events: TimedEvent[] }> {
  const log = createEventLog();
  const summary = await deploy(clients, { manifests: objects, timeoutMs: 180_000, report: log.report, ...extra });
  return { summary, events: log.events };
}

function applied(events: readonly TimedEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'applied' ? [`${e.ref} ${e.result}`] : []));
}

describe('the deployer against a real API server', () => {
  it('dry-runs every synthesized object before the namespace exists, creating nothing', async () => {
    const { summary, events } = await deployLogged(manifests, { dryRun: true });
    expect(summary.counts.valid).toBe(manifests.length);
    expect(events.some((e) => e.type === 'note' && e.message.includes(`namespace ${namespace} does not exist yet`))).toBe(true);
    expect(await clients.objects.get({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } })).toBeNull();
    expect(await clients.objects.get({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cassandra-superuser', namespace: 'default' } })).toBeNull();
  });

  it('deploys in order: Cassandra ready, then the keyspace Job succeeds, only then the app', async () => {
    const run = await runCli(['deploy', '--manifests', manifestsFile, '--timeout', '3m']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const at = (pattern: RegExp) => run.lines.findIndex((l) => pattern.test(l));
    expect(at(/^applied /)).toBe(at(/^applied +namespace\/\S+ \(created\)/));
    expect(at(/^ready +statefulset\/cassandra: 3\/3 ready/)).toBeGreaterThan(at(/^applied +statefulset\/cassandra \(created\)/));
    expect(at(/^applied +job\/keyspace-bootstrap \(created\)/)).toBeGreaterThan(at(/^ready +statefulset\/cassandra/));
    expect(at(/^applied +deployment\/digits \(created\)/)).toBeGreaterThan(at(/^ready +job\/keyspace-bootstrap: succeeded/));
    expect(at(/^ready +deployment\/digits/)).toBeGreaterThan(at(/^applied +deployment\/digits/));
    // The DigitModel controller last: its Jobs read the app's config.
    expect(at(/^applied +deployment\/digitmodel-controller \(created\)/)).toBeGreaterThan(at(/^ready +deployment\/digits:/));
    expect(at(/^ready +deployment\/digitmodel-controller/)).toBeGreaterThan(at(/^applied +deployment\/digitmodel-controller/));
    // The DigitModel CRD is cluster-scoped: another test's release (or an earlier run) may have
    // installed it already, the one object a fresh namespace can find unchanged.
    expect(run.lines.at(-1)).toMatch(/^deployed in \d+s: \d+ created(, 1 unchanged)?$/);
    expect(run.lines.filter((l) => /^applied .*\(unchanged\)/.test(l)).every((l) => l.includes('customresourcedefinition/'))).toBe(true);

    // The API server's own record agrees: the Deployment was created after the Job completed.
    const job = await clients.batch.readNamespacedJob({ name: NAMES.keyspaceBootstrap, namespace });
    const app = await clients.apps.readNamespacedDeployment({ name: NAMES.digits, namespace });
    const completedMs = job.status!.completionTime!.getTime();
    expect(app.metadata!.creationTimestamp!.getTime()).toBeGreaterThanOrEqual(completedMs);
    const applyEntry = app.metadata!.managedFields!.find((f) => f.manager === 'mnist-deployer' && f.operation === 'Apply');
    expect(applyEntry!.time!.getTime()).toBeGreaterThanOrEqual(completedMs);

    // Generated passwords exist, are random, and never reach the output.
    const secret = await clients.core.readNamespacedSecret({ name: 'cassandra-superuser', namespace });
    const password = Buffer.from(secret.data!.password!, 'base64').toString('utf8');
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(run.lines.join('\n')).not.toContain(password);
  });

  it('reports the running release with status, once the autoscaler has its minimum of 2 replicas', async () => {
    // The HPA (no metrics here) raises the Deployment to minReplicas on its first sync.
    for (let tries = 0; tries < 60; tries++) {
      const app = await clients.apps.readNamespacedDeployment({ name: NAMES.digits, namespace });
      if (app.spec?.replicas === 2 && app.status?.readyReplicas === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const run = await runCli(['status', '--namespace', namespace]);
    expect(run.code).toBe(0);
    const text = run.lines.join('\n');
    expect(text).toMatch(/ok +cassandra +3\/3 nodes ready/);
    expect(text).toMatch(/ok +keyspace +bootstrap done/);
    expect(text).toMatch(/ok +app +2\/2 replicas ready, running mnist-k8s:local x2/);
    expect(text).toMatch(/ok +endpoints +service\/digits -> \d+\.\d+\.\d+\.\d+:3000/);
  });

  it('changes nothing when deployed again unchanged', async () => {
    const before = await storedState(manifests);
    const { summary, events } = await deployLogged(manifests);
    expect(applied(events).filter((line) => !line.endsWith(' unchanged'))).toEqual([]);
    expect(summary.counts.unchanged).toBe(manifests.length);
    expect(summary.pruned).toBe(0);
    expect(await storedState(manifests)).toEqual(before);
  });

  it('re-runs the keyspace Job for a new image (it carries the migrations), then rolls the app', async () => {
    const jobBefore = await clients.batch.readNamespacedJob({ name: NAMES.keyspaceBootstrap, namespace });
    const { events } = await deployLogged(manifests, { image: 'mnist-k8s:v2' });
    expect(applied(events).filter((line) => !line.endsWith(' unchanged'))).toEqual([
      `job/${NAMES.keyspaceBootstrap} recreated`,
      'deployment/digits configured',
      `deployment/${NAMES.controller} configured`,
    ]);
    const jobAfter = await clients.batch.readNamespacedJob({ name: NAMES.keyspaceBootstrap, namespace });
    expect(jobAfter.metadata!.uid).not.toBe(jobBefore.metadata!.uid);
    expect(jobAfter.spec!.template.spec!.containers[0]!.image).toBe('mnist-k8s:v2');
    const app = (await readStatus(clients, namespace)).find((l) => l.label === 'app')!;
    expect(app.text).toContain('mnist-k8s:v2');
    expect(app.text).not.toContain('mnist-k8s:local');
  });

  it('dry-runs a change against the live release without writing anything', async () => {
    const before = await storedState(manifests);
    const { summary } = await deployLogged(manifests, { dryRun: true, image: 'mnist-k8s:v3' });
    expect(summary.counts.valid).toBe(manifests.length);
    expect(await storedState(manifests)).toEqual(before);
  });

  it('repairs a hand edit and a deleted object in watch mode, and stops on SIGTERM', async () => {
    const watcher = startCli(['deploy', '--manifests', manifestsFile, '--watch', '--interval', '1s', '--timeout', '2m']);
    try {
      await watcher.waitForLine(/^note +watching \d+ objects/, 120_000);
      const config = find(manifests, 'ConfigMap', NAMES.digitsConfig);
      await clients.objects.mergePatch(config, { data: { PORT: '4000' } }, 'kubectl-edit');
      const pdb = find(manifests, 'PodDisruptionBudget', NAMES.cassandraPdb);
      await clients.objects.delete(pdb);
      await watcher.waitForLine(/^repaired +configmap\/digits-config \(drifted: re-applied\)$/, 30_000);
      await watcher.waitForLine(/^repaired +poddisruptionbudget\/cassandra \(was deleted: recreated\)$/, 30_000);
      expect(((await clients.objects.get(config))?.data as Record<string, string>).PORT).toBe('3000');
      expect(await clients.objects.get(pdb)).not.toBeNull();
    } finally {
      watcher.child.kill('SIGTERM');
    }
    const code = await watcher.exited;
    expect({ code, stderr: watcher.stderr(), last: watcher.lines.at(-1) }).toEqual({ code: 0, stderr: '', last: 'note      stopped watching' });
  });

  it('prunes an object that left the manifests, and keeps the generated Secrets', async () => {
    const trimmed = manifests.filter((o) => !(o.kind === 'PodDisruptionBudget' && o.metadata.name === NAMES.digits));
    const { summary, events } = await deployLogged(trimmed);
    expect(events.filter((e) => e.type === 'pruned').map((e) => e.type === 'pruned' && e.ref)).toEqual(['poddisruptionbudget/digits']);
    expect(summary.pruned).toBe(1);
    expect(await clients.objects.get(find(manifests, 'PodDisruptionBudget', NAMES.digits))).toBeNull();
    const secret = await clients.objects.get({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cassandra-app', namespace } });
    expect(secret).not.toBeNull();
  });
});
