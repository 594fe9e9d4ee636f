import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ModelFiles, ModelRegistry } from '../models/model-registry.js';

/**
 * Between the registry (files as bytes) and the code that reads a model from a directory
 * (model-io.ts loadModel, the inference runtimes): a version's files written into a fresh
 * temporary directory, and a directory's files read back as bytes for publishing.
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

/** Reads the named files of `dir` as the registry takes them. */
export async function readModelFiles(dir: string, names: readonly string[]): Promise<Map<string, Uint8Array>> {
  const entries = await Promise.all(names.map(async (name) => [name, new Uint8Array(await readFile(path.join(dir, name)))] as const));
  return new Map(entries);
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
