import { describe, expect, it } from 'vitest';
import { CASSANDRA_SUPERUSER_SECRET } from '../lib/names.js';
import { buildSecret, generateAlphanumeric } from './secrets.js';

function decoded(data: unknown, key: string): string {
  return Buffer.from((data as Record<string, string>)[key]!, 'base64').toString('utf8');
}

describe('buildSecret', () => {
  it('keeps fixed values and fills random ones with the requested length', () => {
    const secret = buildSecret(CASSANDRA_SUPERUSER_SECRET, 'mnist');
    expect(secret.metadata).toMatchObject({ name: 'cassandra-superuser', namespace: 'mnist' });
    expect(secret.metadata.labels?.['app.kubernetes.io/part-of']).toBe('mnist-k8s');
    expect(decoded(secret.data, 'username')).toBe('cassandra');
    expect(decoded(secret.data, 'password')).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it('draws a different password each time', () => {
    const a = decoded(buildSecret(CASSANDRA_SUPERUSER_SECRET, 'mnist').data, 'password');
    const b = decoded(buildSecret(CASSANDRA_SUPERUSER_SECRET, 'mnist').data, 'password');
    expect(a).not.toBe(b);
  });
});

describe('generateAlphanumeric', () => {
  it('uses letters and digits only, all of them over many draws', () => {
    const text = generateAlphanumeric(20_000);
    expect(text).toMatch(/^[A-Za-z0-9]+$/);
    expect(new Set(text).size).toBe(62);
  });
});
