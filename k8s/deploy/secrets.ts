import { randomInt } from 'node:crypto';
import { componentLabels, type GeneratedSecret } from '../lib/names.js';
import type { KubeObject } from './kube-object.js';
import type { ObjectClient } from './object-client.js';
import type { Report } from './progress.js';
import { getStatusCode } from './errors.js';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random [A-Za-z0-9] characters from the CSPRNG, without modulo bias (crypto.randomInt). */
export function generateAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

/** The Secret object for a generated-secret definition, with fresh random values. */
export function buildSecret(definition: GeneratedSecret, namespace: string, random = generateAlphanumeric): KubeObject {
  const data: Record<string, string> = {};
  for (const key of definition.keys) {
    const value = key.value ?? random(key.randomLength ?? 32);
    data[key.key] = Buffer.from(value, 'utf8').toString('base64');
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: definition.name,
      namespace,
      labels: { ...componentLabels(definition.component, definition.name), 'app.kubernetes.io/managed-by': 'mnist-deployer' },
    },
    type: 'Opaque',
    data,
  };
}

/**
 * Creates each Secret that does not exist yet, with random passwords; an existing one is never
 * touched (Cassandra already holds its passwords). Created with POST, not apply, so they are
 * never pruned and drift repair never rewrites them. Values are never printed.
 */
export async function ensureSecrets(
  client: ObjectClient,
  definitions: readonly GeneratedSecret[],
  namespace: string,
  options: { readonly dryRun: boolean; readonly report: Report },
): Promise<void> {
  for (const definition of definitions) {
    const secret = buildSecret(definition, namespace);
    const ref = `secret/${definition.name}`;
    if ((await client.get(secret)) !== null) {
      options.report({ type: 'secret', ref, result: 'kept' });
      continue;
    }
    try {
      await client.create(secret, { dryRun: options.dryRun });
      options.report({ type: 'secret', ref, result: options.dryRun ? 'valid' : 'generated' });
    } catch (error) {
      // Created by someone else between our read and our create: theirs stays.
      if (getStatusCode(error) !== 409) throw error;
      options.report({ type: 'secret', ref, result: 'kept' });
    }
  }
}
