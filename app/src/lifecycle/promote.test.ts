import { describe, expect, it } from 'vitest';
import { createMemoryRegistry, stubCard } from '../../test/fixtures/memory-registry.js';
import type { LifecycleDeps } from './lifecycle-deps.js';
import { promote } from './promote.js';

async function setUp(): Promise<LifecycleDeps> {
  const registry = createMemoryRegistry();
  for (const v of ['v1', 'v2', 'v3']) await registry.publish(stubCard(v), new Map());
  await registry.setServing({ active: 'v1', canary: { version: 'v3', weight: 0.1 }, reason: 'canary' }, 0);
  return { registry, store: { list: async () => ({ items: [], nextCursor: null }), corrections: async () => [] }, inference: { backend: 'auto', cpuThreads: 0 }, log: () => {} };
}

describe('promote', () => {
  it('makes the version active, clears the canary and records "activated" with the previous version', async () => {
    const deps = await setUp();
    const result = await promote(deps, 'v2');
    expect(result).toMatchObject({ version: 'v2', previous: 'v1', changed: true, state: { active: 'v2', canary: null, revision: 2 } });
    const [decision] = await deps.registry.decisions('v2');
    expect(decision).toMatchObject({ kind: 'activated', figures: { previous: 'v1', revision: 2 } });
  });

  it('retries through a concurrent writer', async () => {
    const deps = await setUp();
    (deps.registry as ReturnType<typeof createMemoryRegistry>).loseNextWrites(3);
    expect((await promote(deps, 'v2')).state.active).toBe('v2');
  });

  it('changes and records nothing when the version is already active without a canary', async () => {
    const deps = await setUp();
    await promote(deps, 'v2');
    const again = await promote(deps, 'v2');
    expect(again.changed).toBe(false);
    expect(await deps.registry.decisions('v2')).toHaveLength(1);
  });

  it('refuses a version the registry does not have', async () => {
    const deps = await setUp();
    await expect(promote(deps, 'nope')).rejects.toThrow('no model version "nope" in the registry');
  });
});
