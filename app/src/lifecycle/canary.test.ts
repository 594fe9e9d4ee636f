import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createMemoryRegistry, stubCard, type MemoryRegistry } from '../../test/fixtures/memory-registry.js';
import type { Correction } from '../models/model-registry.js';
import { newPredictionId } from '../store/ids.js';
import { DEFAULT_CANARY_THRESHOLDS, judgeCanary, watchCanary, type CanaryFigures, type CanaryOptions } from './canary.js';
import type { LifecycleDeps } from './lifecycle-deps.js';

const FAST: Omit<CanaryOptions, 'gates'> = { weight: 0.2, durationS: 0.6, pollMs: 50, thresholds: { ...DEFAULT_CANARY_THRESHOLDS, minPredictions: 10 } };

interface World {
  readonly deps: LifecycleDeps;
  readonly registry: MemoryRegistry;
  readonly corrections: Correction[];
  readonly lines: string[];
}

async function setUp(): Promise<World> {
  const registry = createMemoryRegistry();
  for (const v of ['v1', 'v2']) await registry.publish(stubCard(v), new Map());
  await registry.setServing({ active: 'v1', canary: null, reason: 'seed' }, 0);
  const corrections: Correction[] = [];
  const lines: string[] = [];
  const deps: LifecycleDeps = {
    registry,
    store: { list: async () => ({ items: [], nextCursor: null }), corrections: async () => corrections },
    inference: { backend: 'auto', cpuThreads: 0 },
    log: (line) => lines.push(line),
  };
  return { deps, registry, corrections, lines };
}

function report(registry: MemoryRegistry, version: string, predictions: number, failures = 0, p99Ms = 3): Promise<void> {
  return registry.reportLive({ replica: 'r1', version, at: new Date(), predictions, failures, p50Ms: 1, p99Ms });
}

function correct(world: World, version: string, count: number, createdAt = new Date()): void {
  for (let i = 0; i < count; i++) world.corrections.push({ id: newPredictionId(), createdAt, input: new Uint8Array(784), digit: 8, label: 3, modelVersion: version });
}

/** Reports while the canary runs, as the replicas would. */
async function whileRunning(world: World, during: () => Promise<void>): Promise<void> {
  while ((await world.registry.serving())?.canary === null) await sleep(5);
  await during();
}

describe('watchCanary', () => {
  it('promotes a healthy canary at the end, recording canary-started and promoted with the figures', async () => {
    const world = await setUp();
    const [result] = await Promise.all([
      watchCanary(world.deps, 'v2', 'v1', FAST),
      whileRunning(world, async () => {
        expect(await world.registry.serving()).toMatchObject({ active: 'v1', canary: { version: 'v2', weight: 0.2 } });
        await report(world.registry, 'v2', 30);
        await report(world.registry, 'v1', 120);
        correct(world, 'v1', 2);
      }),
    ]);
    expect(result.decision).toBe('promoted');
    expect(result.state).toMatchObject({ active: 'v2', canary: null });
    const decisions = await world.registry.decisions('v2');
    expect(decisions.map((d) => d.kind)).toEqual(['promoted', 'canary-started']);
    expect(decisions[0]!.figures).toMatchObject({ canaryPredictions: 30, activePredictions: 120, activeCorrections: 2, previous: 'v1' });
  });

  it('rolls back at once when users correct the canary far more than the active', async () => {
    const world = await setUp();
    const startedAt = Date.now();
    const [result] = await Promise.all([
      watchCanary(world.deps, 'v2', 'v1', { ...FAST, durationS: 30 }),
      whileRunning(world, async () => {
        await report(world.registry, 'v2', 20);
        await report(world.registry, 'v1', 80);
        correct(world, 'v2', 12);
      }),
    ]);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(result.decision).toBe('rolled-back');
    expect(result.reason).toBe("corrected rate 60.00% (12 of 20) > active's 0.00% + 5.00%");
    expect(result.state).toMatchObject({ active: 'v1', canary: null });
    const [decision] = await world.registry.decisions('v2');
    expect(decision).toMatchObject({ kind: 'rolled-back', figures: { canaryCorrections: 12, correctedRate: 0.6 } });
  });

  it('rolls back when the canary fails predictions', async () => {
    const world = await setUp();
    const [result] = await Promise.all([watchCanary(world.deps, 'v2', 'v1', { ...FAST, durationS: 30 }), whileRunning(world, () => report(world.registry, 'v2', 50, 5))]);
    expect(result.decision).toBe('rolled-back');
    expect(result.reason).toMatch(/^failure rate 10.00% > 1.00% \(5 of 50\)/);
  });

  it('does not judge rates on fewer predictions than the minimum', async () => {
    const world = await setUp();
    const [result] = await Promise.all([
      watchCanary(world.deps, 'v2', 'v1', FAST),
      whileRunning(world, async () => {
        await report(world.registry, 'v2', 3, 1);
        correct(world, 'v2', 3);
      }),
    ]);
    expect(result.decision).toBe('promoted');
  });

  it('ignores corrections of predictions made before the canary started', async () => {
    const world = await setUp();
    correct(world, 'v2', 50, new Date(Date.now() - 1000));
    const [result] = await Promise.all([watchCanary(world.deps, 'v2', 'v1', FAST), whileRunning(world, () => report(world.registry, 'v2', 40))]);
    expect(result.decision).toBe('promoted');
    expect(result.canary?.canaryCorrections).toBe(0);
  });

  it('stops without promoting when another writer ended the canary', async () => {
    const world = await setUp();
    const [result] = await Promise.all([
      watchCanary(world.deps, 'v2', 'v1', { ...FAST, durationS: 30 }),
      whileRunning(world, async () => {
        const state = (await world.registry.serving())!;
        await world.registry.setServing({ active: 'v1', canary: null, reason: 'an operator stopped it' }, state.revision);
      }),
    ]);
    expect(result.decision).toBe('rolled-back');
    expect(result.reason).toMatch(/ended by another writer \(an operator stopped it\)/);
    expect((await world.registry.serving())?.active).toBe('v1');
  });

  it('rolls back when interrupted', async () => {
    const world = await setUp();
    const abort = new AbortController();
    const [result] = await Promise.all([watchCanary(world.deps, 'v2', 'v1', { ...FAST, durationS: 30, signal: abort.signal }), whileRunning(world, async () => abort.abort())]);
    expect(result).toMatchObject({ decision: 'rolled-back', reason: 'interrupted', state: { active: 'v1', canary: null } });
  });

  it('refuses to start beside another canary', async () => {
    const world = await setUp();
    await world.registry.publish(stubCard('v3'), new Map());
    await world.registry.setServing({ active: 'v1', canary: { version: 'v3', weight: 0.1 }, reason: 'other' }, 1);
    await expect(watchCanary(world.deps, 'v2', 'v1', FAST)).rejects.toThrow('another canary (v3) is running');
  });
});

describe('judgeCanary', () => {
  const base: CanaryFigures = {
    active: 'v1', weight: 0.1, seconds: 10, canaryPredictions: 100, canaryFailures: 0, failureRate: 0, canaryCorrections: 1, correctedRate: 0.01,
    activePredictions: 900, activeCorrections: 9, activeCorrectedRate: 0.01, canaryP99Ms: 4, activeP99Ms: 4,
  };

  it('finds nothing wrong with a canary like the active', () => {
    expect(judgeCanary(base, DEFAULT_CANARY_THRESHOLDS)).toEqual([]);
  });

  it('flags a slow canary', () => {
    expect(judgeCanary({ ...base, canaryP99Ms: 400 }, DEFAULT_CANARY_THRESHOLDS)).toEqual(['model call p99 400.0 ms > 250 ms']);
  });
});
