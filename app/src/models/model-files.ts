import { createHash } from 'node:crypto';
import { ModelConflictError, ModelIntegrityError, ModelRegistryError, type ModelFiles, type ModelVersionCard } from './model-registry.js';

/**
 * What both registries (SQLite and Cassandra) check the same way: which names are acceptable,
 * how files are cut into chunks, and that bytes read back are the bytes the card promised.
 */

/**
 * Files are stored in chunks of this size: a Cassandra cell stays far below its limits (and a
 * write below the 16 MiB commit-log segment half), and a SQLite row stays a few pages.
 */
export const MODEL_CHUNK_BYTES = 256 * 1024;

/** Live stats are kept this long (a canary watches minutes of them; older ones are history). */
export const LIVE_STATS_RETENTION_MS = 24 * 3_600_000;

// Versions and file names become paths in every replica's model cache: no separators, no dots first.
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Whether `name` may be a version or file name in the registry (never a path). */
export function isSafeName(name: string): boolean {
  return SAFE_NAME.test(name);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The byte ranges of a file's chunks, in order (one empty chunk for an empty file). */
export function splitChunks(bytes: Uint8Array): Uint8Array[] {
  if (bytes.byteLength === 0) return [bytes];
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength; at += MODEL_CHUNK_BYTES) chunks.push(bytes.subarray(at, at + MODEL_CHUNK_BYTES));
  return chunks;
}

/**
 * Throws ModelRegistryError unless the card can be stored with these files: safe names, a
 * parseable createdAt, exactly the files the card lists, each with the SHA-256 it names.
 */
export function checkPublishable(card: ModelVersionCard, files: ModelFiles): void {
  if (!SAFE_NAME.test(card.version)) throw new ModelRegistryError(`version "${card.version}" is not a safe name (letters, digits, . _ -)`);
  if (Number.isNaN(Date.parse(card.createdAt))) throw new ModelRegistryError(`version ${card.version}: createdAt "${card.createdAt}" is not a date`);
  const listed = Object.keys(card.files).sort();
  const given = [...files.keys()].sort();
  if (listed.length === 0) throw new ModelRegistryError(`version ${card.version}: the card lists no files`);
  if (listed.join('\n') !== given.join('\n')) {
    throw new ModelRegistryError(`version ${card.version}: the card lists [${listed.join(', ')}] but the files are [${given.join(', ')}]`);
  }
  for (const name of listed) {
    if (!SAFE_NAME.test(name)) throw new ModelRegistryError(`version ${card.version}: file name "${name}" is not a safe name`);
    const actual = sha256Hex(files.get(name)!);
    if (actual !== card.files[name]) {
      throw new ModelRegistryError(`version ${card.version}: ${name} has SHA-256 ${actual}, the card says ${card.files[name]}`);
    }
  }
}

/** Publishing an existing version is a no-op only when it is the very same model (same files). */
export function checkSameVersion(existing: ModelVersionCard, card: ModelVersionCard): void {
  const files = (c: ModelVersionCard): string => JSON.stringify(Object.entries(c.files).sort(([a], [b]) => a.localeCompare(b)));
  if (files(existing) !== files(card)) {
    throw new ModelConflictError(`version ${card.version} is already published with other files`);
  }
}

/** Joins a file's chunks and checks them against the card; throws ModelIntegrityError otherwise. */
export function assembleFile(card: ModelVersionCard, name: string, chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 0) throw new ModelIntegrityError(`version ${card.version}: ${name} is missing from the registry`);
  const bytes = new Uint8Array(Buffer.concat(chunks));
  const actual = sha256Hex(bytes);
  if (actual !== card.files[name]) {
    throw new ModelIntegrityError(`version ${card.version}: ${name} read back with SHA-256 ${actual}, the card says ${card.files[name]} (corrupt or incomplete)`);
  }
  return bytes;
}

/** Newest first: by createdAt, then by version name (two versions of one instant stay in a stable order). */
export function compareNewestFirst(a: ModelVersionCard, b: ModelVersionCard): number {
  return Date.parse(b.createdAt) - Date.parse(a.createdAt) || (a.version < b.version ? 1 : a.version > b.version ? -1 : 0);
}

/** A serving change the registry refuses before any compare-and-set (a canary weight outside (0, 1)...). */
export function checkServingChange(active: string, canary: { readonly version: string; readonly weight: number } | null): void {
  if (canary === null) return;
  if (!(canary.weight > 0 && canary.weight < 1)) throw new ModelRegistryError(`canary weight ${canary.weight} is not between 0 and 1`);
  if (canary.version === active) throw new ModelRegistryError(`the canary ${canary.version} is the active version`);
}
