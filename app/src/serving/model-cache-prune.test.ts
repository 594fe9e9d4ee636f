import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pruneModelCache } from './model-cache-prune.js';

describe('pruning the model cache', () => {
  let cacheDir: string;
  const nowMs = Date.UTC(2026, 11, 4, 12);

  /** A cache entry last used `ageMin` minutes before `nowMs`. */
  function entry(name: string, ageMin: number): void {
    const dir = path.join(cacheDir, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'model.onnx'), 'bytes');
    const at = new Date(nowMs - ageMin * 60_000);
    utimesSync(dir, at, at);
  }

  beforeEach(() => {
    cacheDir = mkdtempSync(path.join(tmpdir(), 'mnist-prune-'));
  });
  afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('keeps the serving versions and the two most recently used others, and deletes the rest', async () => {
    for (const [name, age] of [['v1', 50], ['v2', 40], ['v3', 30], ['v4', 20], ['v5', 10], ['v6', 1]] as const) entry(name, age);
    const removed = await pruneModelCache(cacheDir, { keep: new Set(['v1', 'v6']), nowMs });
    expect(removed).toEqual(['v2', 'v3']);
    expect(readdirSync(cacheDir).sort()).toEqual(['v1', 'v4', 'v5', 'v6']);
  });

  it('removes leftovers of interrupted writes and deletions only once they are old', async () => {
    entry('.tmp-v7-abc', 30);
    entry('.stale-v2-def', 30);
    entry('.tmp-v8-ghi', 1);
    entry('v1', 5);
    const removed = await pruneModelCache(cacheDir, { keep: new Set(['v1']), nowMs });
    expect(removed).toEqual(['.stale-v2-def', '.tmp-v7-abc']);
    expect(readdirSync(cacheDir).sort()).toEqual(['.tmp-v8-ghi', 'v1']);
  });

  it('honours keepRecent, and a cache that does not exist yet is nothing to prune', async () => {
    for (const [name, age] of [['a', 3], ['b', 2], ['c', 1]] as const) entry(name, age);
    expect(await pruneModelCache(cacheDir, { keep: new Set(['a']), keepRecent: 0, nowMs })).toEqual(['b', 'c']);
    expect(await pruneModelCache(path.join(cacheDir, 'missing'), { keep: new Set(), nowMs })).toEqual([]);
  });
});
