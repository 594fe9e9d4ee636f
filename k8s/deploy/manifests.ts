import { readFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import { DeployError } from './errors.js';
import { isKubeObject, type KubeObject } from './kube-object.js';
import { errorMessage } from '../lib/errors.js';

/** Where `make synth` writes the manifests (one multi-document YAML), relative to the repo root. */
export const DEFAULT_MANIFESTS_FILE = 'k8s/dist/mnist-k8s.k8s.yaml';

/** Reads a multi-document YAML file of Kubernetes objects; says what to run when it is missing. */
export async function readManifests(file: string): Promise<KubeObject[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DeployError(`manifests not found at ${file}: run "make synth" first, or pass --manifests <file>`);
    }
    throw error;
  }
  return parseManifests(text, file);
}

/** Parses YAML documents (and `kind: List` wrappers) into objects; rejects what is not one. */
export function parseManifests(text: string, source: string): KubeObject[] {
  let documents: unknown[];
  try {
    documents = yaml.loadAll(text);
  } catch (error) {
    throw new DeployError(`${source} is not valid YAML: ${errorMessage(error)}`);
  }
  const objects: KubeObject[] = [];
  documents.forEach((document, index) => {
    if (document === null || document === undefined) return;
    const items = isList(document) ? document.items : [document];
    for (const item of items) {
      if (!isKubeObject(item)) {
        throw new DeployError(`document ${index + 1} of ${source} is not a Kubernetes object (needs apiVersion, kind, metadata.name)`);
      }
      objects.push(item);
    }
  });
  if (objects.length === 0) throw new DeployError(`${source} holds no Kubernetes objects`);
  return objects;
}

function isList(document: unknown): document is { items: unknown[] } {
  const candidate = document as { kind?: unknown; items?: unknown };
  return typeof candidate === 'object' && candidate.kind === 'List' && Array.isArray(candidate.items);
}
