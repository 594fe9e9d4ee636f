import { describe, expect, it } from 'vitest';
import { DeployError } from './errors.js';
import { parseManifests } from './manifests.js';
import { parseDurationMs } from './time.js';

describe('parseManifests', () => {
  it('reads every document of a multi-document YAML and skips empty ones', () => {
    const objects = parseManifests(
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: mnist}\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: mnist}\n',
      'test.yaml',
    );
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Namespace/mnist', 'ConfigMap/c']);
  });

  it('flattens a kind: List into its items', () => {
    const objects = parseManifests('kind: List\napiVersion: v1\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: s}}\n', 'list.yaml');
    expect(objects).toHaveLength(1);
    expect(objects[0]!.kind).toBe('Secret');
  });

  it('names the document that is not a Kubernetes object', () => {
    expect(() => parseManifests('apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nfoo: bar\n', 'bad.yaml')).toThrow(
      /document 2 of bad.yaml is not a Kubernetes object/,
    );
  });

  it('rejects YAML that does not parse, saying which file', () => {
    expect(() => parseManifests('a: [1, 2', 'broken.yaml')).toThrow(DeployError);
    expect(() => parseManifests('a: [1, 2', 'broken.yaml')).toThrow(/broken.yaml is not valid YAML/);
  });

  it('rejects a file with no objects at all', () => {
    expect(() => parseManifests('---\n', 'empty.yaml')).toThrow(/holds no Kubernetes objects/);
  });
});

describe('parseDurationMs', () => {
  it('reads seconds, minutes, hours and milliseconds, bare numbers as seconds', () => {
    expect(parseDurationMs('90s')).toBe(90_000);
    expect(parseDurationMs('10m')).toBe(600_000);
    expect(parseDurationMs('1h')).toBe(3_600_000);
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('45')).toBe(45_000);
    expect(parseDurationMs('1.5m')).toBe(90_000);
  });

  it('returns null for zero, negative or unknown units', () => {
    for (const text of ['0', '-5s', '10d', 'soon', '']) expect(parseDurationMs(text)).toBeNull();
  });
});
