import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MnistChart } from '../../chart.js';
import { MANIFEST_FILE, REPO_ROOT } from '../../generated-files.js';
import { ensureHelm, ensureKubernetesValidate, KUBERNETES_VERSIONS, loadObjects } from './tools.js';

/**
 * Strict offline validation against the Kubernetes OpenAPI schemas (PyPI kubernetes-validate):
 * unknown fields and wrong types are errors. Versions: the newest kind ships and the one the
 * local control plane runs.
 */

let validator: string;
const work = mkdtempSync(path.join(tmpdir(), 'mnist-validate-'));

function validate(file: string, version: string) {
  const result = spawnSync(validator, ['--strict', '--kubernetes-version', version, file], { encoding: 'utf8' });
  const passed = result.stdout.split('\n').filter((line) => line.includes(' passed for resource '));
  return { status: result.status, passed, output: `${result.stdout}${result.stderr}` };
}

beforeAll(() => {
  validator = ensureKubernetesValidate();
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe.each(KUBERNETES_VERSIONS)('strict schema validation against Kubernetes %s', (version) => {
  it('accepts every object of the committed manifests', () => {
    const file = path.join(REPO_ROOT, MANIFEST_FILE);
    const result = validate(file, version);
    expect(result.status, result.output).toBe(0);
    expect(result.passed).toHaveLength(loadObjects({ file }).length);
  });

  it('accepts a chart with a replay run and non-default sizes', () => {
    const app = new App();
    new MnistChart(app, 'mnist-k8s', { namespace: 'bench', replay: { shards: 8 }, cassandra: { replicas: 5, storageClassName: 'fast' } });
    const file = path.join(work, `replay-${version}.yaml`);
    writeFileSync(file, app.synthYaml());
    const result = validate(file, version);
    expect(result.status, result.output).toBe(0);
    expect(result.passed).toHaveLength(loadObjects({ file }).length);
  });

  it('accepts what the Helm chart renders, Secrets included', () => {
    const rendered = spawnSync(ensureHelm(), ['template', 'mnist', path.join(REPO_ROOT, 'charts/mnist-k8s')], { encoding: 'utf8' });
    expect(rendered.status, rendered.stderr).toBe(0);
    const file = path.join(work, `helm-${version}.yaml`);
    writeFileSync(file, rendered.stdout);
    const result = validate(file, version);
    expect(result.status, result.output).toBe(0);
    expect(result.passed.filter((line) => line.includes('secret/'))).toHaveLength(2);
  });

  it.each([
    ['an unknown field', 'replicas: 3', 'volumeClaimTemplate: []', /'volumeClaimTemplate' was unexpected/],
    ['a wrongly typed field', 'replicas: "3"', 'imagePullPolicy: Always', /'3' is not of type 'integer'/],
  ])('rejects %s (the validation is strict)', (_what, replicas, containerField, message) => {
    const file = path.join(work, `bad-${version}-${replicas.length}.yaml`);
    writeFileSync(file, [
      'apiVersion: apps/v1', 'kind: StatefulSet', 'metadata: {name: x}',
      `spec: {${replicas}, serviceName: x, selector: {matchLabels: {a: b}},`,
      `  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: i, ${containerField}}]}}}`, '',
    ].join('\n'));
    const result = validate(file, version);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(message);
  });
});
