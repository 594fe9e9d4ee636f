import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Keeps a replica's model cache (model-cache.ts) from growing with every version ever served:
 * after each switch, version directories that are neither serving nor among the few most
 * recently used are deleted. The recent ones stay so that a rollback to the version just
 * replaced loads from disk, without fetching its chunks again. Leftovers of interrupted writes
 * (".tmp-*") and deletions (".stale-*") are removed once they are clearly not in progress.
 */

export interface PruneOptions {
  /** Versions that must stay (the active and the canary). */
  readonly keep: ReadonlySet<string>;
  /** How many other versions to keep, most recently used first. @default 2 */
  readonly keepRecent?: number;
  /** A ".tmp-"/".stale-" entry younger than this may still be written or deleted. @default 10 min */
  readonly leftoverAgeMs?: number;
  /** @default Date.now() */
  readonly nowMs?: number;
}

interface Entry {
  readonly name: string;
  readonly mtimeMs: number;
}

/** The entries removed from `cacheDir`; none when it does not exist. */
export async function pruneModelCache(cacheDir: string, options: PruneOptions): Promise<string[]> {
  const keepRecent = options.keepRecent ?? 2;
  const leftoverAgeMs = options.leftoverAgeMs ?? 10 * 60_000;
  const nowMs = options.nowMs ?? Date.now();
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: Entry[] = [];
  for (const name of names) {
    try {
      entries.push({ name, mtimeMs: (await stat(path.join(cacheDir, name))).mtimeMs });
    } catch {
      // Gone meanwhile: another process pruned or renamed it.
    }
  }
  const leftovers = entries.filter((e) => (e.name.startsWith('.tmp-') || e.name.startsWith('.stale-')) && nowMs - e.mtimeMs > leftoverAgeMs);
  const versions = entries
    .filter((e) => !e.name.startsWith('.') && !options.keep.has(e.name))
    .sort((a, b) => b.mtimeMs - a.mtimeMs)
    .slice(keepRecent);
  const removed = [...leftovers, ...versions].map((e) => e.name);
  // A loader reads a version's files once, into memory: deleting a directory never breaks a
  // model already loaded, and one being cached again is rewritten whole (model-cache.ts).
  await Promise.all(removed.map((name) => rm(path.join(cacheDir, name), { recursive: true, force: true })));
  return removed.sort();
}
