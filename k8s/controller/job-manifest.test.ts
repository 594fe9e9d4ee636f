import { describe, expect, it } from 'vitest';
import { RESULT_SCRIPT } from '../lib/result-script.js';
import type { DigitModel } from './digit-model.js';
import { synthesizeLifecycleJob } from './job-manifest.js';

const MODEL: DigitModel = {
  apiVersion: 'mnist-k8s.dev/v1alpha1',
  kind: 'DigitModel',
  metadata: { name: 'digits', namespace: 'mnist', uid: 'uid-1', generation: 3, resourceVersion: '9' },
  spec: { retrain: { epochs: 2 } },
};

type Container = {
  name: string; image: string; command: string[]; args?: string[]; terminationMessagePolicy: string;
  env: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom: { configMapRef: { name: string } }[];
  securityContext: Record<string, unknown>;
  volumeMounts: { mountPath: string }[];
  resources: { limits: Record<string, string> };
};

describe('a lifecycle Job', () => {
  const job = synthesizeLifecycleJob(
    { step: 'retrain', name: 'digits-retrain-g3', args: ['--epochs', '2'] },
    MODEL,
    { image: 'mnist-k8s:abc', configMapName: 'digits-config', appSecretName: 'cassandra-app' },
  ) as unknown as {
    metadata: { name: string; namespace: string; labels: Record<string, string>; ownerReferences: unknown[] };
    spec: { backoffLimit: number; template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[]; securityContext: Record<string, unknown>; restartPolicy: string } } };
  };
  const pod = job.spec.template.spec;
  const container = pod.containers[0]!;

  it("runs the app's CLI command inside the result script, with the image's node", () => {
    expect(container.image).toBe('mnist-k8s:abc');
    expect(container.command).toEqual(['node', '-e', RESULT_SCRIPT, '/dev/termination-log', 'dist/app/src/cli/index.js', 'retrain', '--epochs', '2']);
    expect(container.args).toBeUndefined();
    expect(container.terminationMessagePolicy).toBe('FallbackToLogsOnError');
  });

  it("reads the app's ConfigMap and logs in to Cassandra with the app role's Secret", () => {
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'digits-config' } }]);
    expect(container.env.map((e) => [e.name, e.valueFrom?.secretKeyRef])).toEqual([
      ['CASSANDRA_USERNAME', { name: 'cassandra-app', key: 'username' }],
      ['CASSANDRA_PASSWORD', { name: 'cassandra-app', key: 'password' }],
    ]);
    expect(container.volumeMounts.map((m) => m.mountPath).sort()).toEqual(['/tmp', '/var/lib/mnist']);
  });

  it('gives only the canary step the app Service to replay recorded traffic through', () => {
    const settings = { image: 'mnist-k8s:abc', configMapName: 'digits-config', appSecretName: 'cassandra-app', serviceUrl: 'http://digits:80' };
    const commandOf = (step: 'retrain' | 'canary' | 'promote', args: string[]) =>
      (synthesizeLifecycleJob({ step, name: `digits-${step}-g3`, args }, MODEL, settings) as unknown as typeof job).spec.template.spec.containers[0]!.command.slice(5);
    expect(commandOf('canary', ['v2', '--weight', '0.1'])).toEqual(['canary', 'v2', '--weight', '0.1', '--service-url', 'http://digits:80']);
    expect(commandOf('retrain', ['--epochs', '2'])).toEqual(['retrain', '--epochs', '2']);
    expect(commandOf('promote', ['v2'])).toEqual(['promote', 'v2']);
  });

  it('runs under the restricted profile, once, owned by its DigitModel and labelled with it', () => {
    expect(container.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(job.spec.backoffLimit).toBe(0);
    expect(pod.restartPolicy).toBe('Never');
    expect(job.metadata).toMatchObject({ name: 'digits-retrain-g3', namespace: 'mnist' });
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: 'mnist-k8s.dev/v1alpha1', kind: 'DigitModel', name: 'digits', uid: 'uid-1', controller: true }]);
    expect(job.spec.template.metadata.labels).toMatchObject({
      'app.kubernetes.io/component': 'lifecycle', 'mnist-k8s.dev/digitmodel': 'digits', 'mnist-k8s.dev/step': 'retrain', 'mnist-k8s.dev/generation': '3',
    });
    expect(container.resources.limits).toEqual({ cpu: '2000m', memory: '2048Mi' });
  });
});
