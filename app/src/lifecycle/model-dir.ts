import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ModelFiles, ModelRegistry } from '../models/model-registry.js';

/**
 * Between the registry (files as bytes) and the code that reads a model from a directory
 * (model-io.ts loadModel, the inference runtimes): a version's files written into a fresh
 * temporary directory. (The way back, a directory's files as bytes: seed-registry.ts readModelFiles.)
 */

/** A directory holding one version's files; `remove()` deletes it. */
export interface ModelDir {
  readonly version: string;
  readonly dir: string;
  remove(): Promise<void>;
}

/** Writes `files` into `dir` (created when missing). */
export async function writeModelFiles(files: ModelFiles, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await Promise.all([...files].map(([name, bytes]) => writeFile(path.join(dir, path.basename(name)), bytes)));
}

/** Fetches `version` from the registry (checked against its card) into a new temporary directory. */
export async function checkOutVersion(registry: ModelRegistry, version: string): Promise<ModelDir> {
  const files = await registry.files(version);
  const dir = await mkdtemp(path.join(tmpdir(), `mnist-${version.slice(0, 40)}-`));
  try {
    await writeModelFiles(files, dir);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return { version, dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
