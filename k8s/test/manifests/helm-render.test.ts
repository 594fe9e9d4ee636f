import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { containersOf, envValue, podTemplatesOf, type KubeObject } from '../../lib/manifest-walk.js';
import { GENERATED_SECRETS } from '../../lib/names.js';
import { CHART_DIR, MANIFEST_FILE, REPO_ROOT } from '../../generated-files.js';
import { ensureHelm, loadObjects, objectKey } from './tools.js';

/** The generated Helm chart, rendered by a real `helm`, against the manifests of `make synth`. */

let helm: string;
const chartDir = path.join(REPO_ROOT, CHART_DIR);

function helmTemplate(...set: string[]): KubeObject[] {
  const args = ['template', 'mnist', chartDir, ...set.flatMap((s) => ['--set', s])];
  const result = spawnSync(helm, args, { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return loadObjects({ text: result.stdout });
}

const byKey = (objects: KubeObject[]) => new Map(objects.map((o) => [objectKey(o), o]));
type Secret = KubeObject & { data: Record<string, string>; metadata: { annotations?: Record<string, string> } };

beforeAll(() => {
  helm = ensureHelm();
});

describe('the Helm chart', () => {
  it('passes helm lint', () => {
    const result = spawnSync(helm, ['lint', chartDir], { encoding: 'utf8' });
    expect(result.status, result.stdout).toBe(0);
    expect(result.stdout).toContain('0 chart(s) failed');
  });

  it('renders with default values exactly the objects of make synth, plus the Secrets', () => {
    const rendered = helmTemplate();
    const synthesized = loadObjects({ file: path.join(REPO_ROOT, MANIFEST_FILE) });
    const withoutSecrets = byKey(rendered.filter((o) => o.kind !== 'Secret'));
    expect([...withoutSecrets.keys()].sort()).toEqual(synthesized.map(objectKey).sort());
    for (const object of synthesized) expect(withoutSecrets.get(objectKey(object)), objectKey(object)).toEqual(object);
  });

  it('creates every generated Secret with its keys, fixed usernames and fresh 32-character passwords it keeps on uninstall', () => {
    const secrets = helmTemplate().filter((o): o is Secret => o.kind === 'Secret');
    expect(secrets.map((s) => s.metadata.name).sort()).toEqual(GENERATED_SECRETS.map((s) => s.name).sort());
    for (const spec of GENERATED_SECRETS) {
      const secret = secrets.find((s) => s.metadata.name === spec.name)!;
      expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
      for (const key of spec.keys) {
        const decoded = Buffer.from(secret.data[key.key] ?? '', 'base64').toString('utf8');
        if (key.value !== undefined) expect(decoded).toBe(key.value);
        else expect(decoded).toMatch(new RegExp(`^[A-Za-z0-9]{${key.randomLength}}$`));
      }
    }
    const again = helmTemplate().filter((o): o is Secret => o.kind === 'Secret');
    expect(again[0]!.data.password).not.toBe(secrets[0]!.data.password);
  });

  it('applies values: namespace, image, sizes, and keeps RF equal to the Cassandra replicas', () => {
    const rendered = helmTemplate('namespace=digits-prod', 'image=registry.example/mnist-k8s:1.2.3', 'cassandra.replicas=5',
      'cassandra.storage=50Gi', 'app.replicas=3', 'app.maxReplicas=12', 'cassandra.image=cassandra:5.0.8');
    const clusterScoped = new Set(['Namespace', 'CustomResourceDefinition']);
    for (const object of rendered.filter((o) => !clusterScoped.has(o.kind))) expect(object.metadata.namespace).toBe('digits-prod');
    expect(rendered.find((o) => o.kind === 'Namespace')?.metadata.name).toBe('digits-prod');
    const statefulSet = rendered.find((o) => o.kind === 'StatefulSet')!;
    expect(statefulSet.spec?.replicas).toBe(5);
    expect(JSON.stringify(statefulSet.spec?.volumeClaimTemplates)).toContain('"storage":"50Gi"');
    const templates = podTemplatesOf(rendered);
    const job = templates.find((t) => t.owner.kind === 'Job')!;
    expect(envValue(containersOf(job)[1]!, 'CASSANDRA_REPLICATION_FACTOR')).toBe('5');
    expect(containersOf(job)[0]!.image).toBe('cassandra:5.0.8');
    expect(templates.filter((t) => t.owner.kind !== 'StatefulSet').flatMap((t) => t.spec.containers.map((c) => c.image)))
      .toEqual(['registry.example/mnist-k8s:1.2.3', 'registry.example/mnist-k8s:1.2.3', 'registry.example/mnist-k8s:1.2.3']);
    // The controller's Jobs run the same image.
    const controller = templates.find((t) => t.owner.metadata.name === 'digitmodel-controller')!.spec.containers[0]!;
    expect(envValue(controller, 'LIFECYCLE_IMAGE')).toBe('registry.example/mnist-k8s:1.2.3');
    expect(rendered.find((o) => o.kind === 'RoleBinding')).toMatchObject({ subjects: [{ namespace: 'digits-prod' }] });
    expect(rendered.find((o) => o.kind === 'HorizontalPodAutoscaler')?.spec).toMatchObject({ minReplicas: 3, maxReplicas: 12 });
  });

  it('leaves the Namespace out when createNamespace is false', () => {
    const rendered = helmTemplate('createNamespace=false');
    expect(rendered.some((o) => o.kind === 'Namespace')).toBe(false);
    expect(rendered.some((o) => o.kind === 'StatefulSet')).toBe(true);
  });
});
