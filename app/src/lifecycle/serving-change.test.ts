import { describe, expect, it } from 'vitest';
import { createMemoryRegistry, stubCard } from '../../test/fixtures/memory-registry.js';
import { changeServing, ServingConflictError } from './serving-change.js';

describe('changeServing', () => {
  it('sets the first state from revision 0', async () => {
    const registry = createMemoryRegistry();
    await registry.publish(stubCard('v1'), new Map());
    const state = await changeServing(registry, () => ({ active: 'v1', canary: null, reason: 'first' }));
    expect(state).toMatchObject({ active: 'v1', canary: null, revision: 1, reason: 'first' });
  });

  it('reads again and decides again when another writer got there first', async () => {
    const registry = createMemoryRegistry();
    await registry.publish(stubCard('v1'), new Map());
    await registry.publish(stubCard('v2'), new Map());
    await changeServing(registry, () => ({ active: 'v1', canary: null, reason: 'first' }));
    registry.loseNextWrites(2);
    const seen: number[] = [];
    const state = await changeServing(registry, (current) => {
      seen.push(current?.revision ?? 0);
      return { active: 'v2', canary: null, reason: 'second' };
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(state).toMatchObject({ active: 'v2', revision: 4 });
  });

  it('changes nothing when the decision is null', async () => {
    const registry = createMemoryRegistry();
    expect(await changeServing(registry, () => null)).toBeNull();
  });

  it('gives up after many conflicts in a row', async () => {
    const registry = createMemoryRegistry();
    await registry.publish(stubCard('v1'), new Map());
    registry.loseNextWrites(1000);
    await expect(changeServing(registry, () => ({ active: 'v1', canary: null, reason: 'x' }))).rejects.toBeInstanceOf(ServingConflictError);
  });
});
