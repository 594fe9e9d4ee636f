import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../models/model-files.js';
import { ModelNotFoundError, ModelRegistryError, type ModelRegistry, type ModelVersionCard } from '../models/model-registry.js';

/**
 * Each replica's copy of the versions it serves, one directory per version in MODEL_CACHE_DIR:
 * loadClassifier reads a model directory, and the registry holds bytes. A directory appears
 * whole or not at all (written under a temporary name, then renamed), and is reused only when
 * every file still has the card's SHA-256: a restart after a torn write fetches it again.
 */

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Whether `dir` holds every file of the card with the card's SHA-256. */
async function holdsVersion(dir: string, card: ModelVersionCard): Promise<boolean> {
  for (const [name, sha256] of Object.entries(card.files)) {
    try {
      if (sha256Hex(await readFile(path.join(dir, name))) !== sha256) return false;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }
  return true;
}

/** Moves `dir` out of the way and deletes it (rename first: a reader never sees it half deleted). */
async function discard(dir: string): Promise<void> {
  const aside = path.join(path.dirname(dir), `.stale-${path.basename(dir)}-${randomUUID()}`);
  try {
    await rename(dir, aside);
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  await rm(aside, { recursive: true, force: true });
}

/**
 * The directory holding `version`'s files in `cacheDir`, fetched from the registry unless a
 * complete, intact copy is already there. Throws ModelNotFoundError for an unknown version and
 * the registry's errors for files it cannot read back intact.
 */
export async function cacheModelVersion(registry: ModelRegistry, version: string, cacheDir: string): Promise<string> {
  // The registry accepts only safe names; a name that is not one never becomes a path here either.
  if (path.basename(version) !== version || version.startsWith('.')) throw new ModelRegistryError(`version "${version}" is not a safe name`);
  const card = await registry.get(version);
  if (card === null) throw new ModelNotFoundError(`version ${version} is not in the registry`);
  const dir = path.join(cacheDir, version);
  if (await holdsVersion(dir, card)) {
    // Its time of last use, which pruning goes by (model-cache-prune.ts).
    const now = new Date();
    await utimes(dir, now, now).catch(() => undefined);
    return dir;
  }

  const files = await registry.files(version);
  await mkdir(cacheDir, { recursive: true });
  const tmp = path.join(cacheDir, `.tmp-${version}-${randomUUID()}`);
  try {
    await mkdir(tmp);
    for (const [name, bytes] of files) await writeFile(path.join(tmp, name), bytes);
    await discard(dir);
    try {
      await rename(tmp, dir);
    } catch (error) {
      // Another process (a second server, a CLI on the same DATA_DIR) cached it meanwhile.
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !(await holdsVersion(dir, card))) throw error;
    }
    return dir;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
