import { describe, expect, it } from 'vitest';
import { createVersionClassifier } from '../../test/fixtures/version-classifier.js';
import { UnavailableError, UnknownModelVersionError } from '../errors.js';
import { ModelNotFoundError } from '../models/model-registry.js';
import { ModelRouter, type ModelCallEvent } from './model-router.js';
import { PinnedModels } from './pinned-models.js';
import { ServedModel } from './served-model.js';

const PIXELS = new Float32Array(784);

function served(version: string, digit: number): ServedModel {
  return new ServedModel(version, createVersionClassifier(digit), () => {});
}

/** A loader that knows v0..v9 (answering their digit), counts its loads and can be made to fail. */
function fakeLoader(): { load: (version: string) => Promise<ServedModel>; loads: string[]; models: Map<string, ServedModel> } {
  const loads: string[] = [];
  const models = new Map<string, ServedModel>();
  const load = async (version: string): Promise<ServedModel> => {
    loads.push(version);
    if (version === 'broken') throw new Error('weights.bin read back corrupt');
    const match = /^v([0-9])$/.exec(version);
    if (match === null) throw new ModelNotFoundError(`version ${version} is not in the registry`);
    const model = served(version, Number(match[1]));
    models.set(version, model);
    return model;
  };
  return { load, loads, models };
}

describe('pinned model versions', () => {
  it('loads a version once for concurrent requests, and keeps at most the bound loaded', async () => {
    const loader = fakeLoader();
    const pins = new PinnedModels(loader.load, () => {}, 2);
    const [a, b] = await Promise.all([pins.obtain('v3'), pins.obtain('v3')]);
    expect(a).toBe(b);
    expect(loader.loads).toEqual(['v3']);
    await pins.obtain('v4');
    await pins.obtain('v3');
    await pins.obtain('v5');
    // v4 was the least recently used: pushed out and retired (disposed: nothing held it).
    expect(pins.versions).toEqual(['v3', 'v5']);
    expect(loader.models.get('v4')!.isRetired).toBe(true);
    await loader.models.get('v4')!.disposed;
  });

  it('lets a request holding a pushed-out version finish on it', async () => {
    const loader = fakeLoader();
    const pins = new PinnedModels(loader.load, () => {}, 1);
    const first = await pins.obtain('v1');
    const classifier = first.classifier as ReturnType<typeof createVersionClassifier>;
    classifier.hold();
    const inFlight = first.use((c) => c.classify(PIXELS));
    await pins.obtain('v2');
    expect(first.isRetired).toBe(true);
    expect(classifier.disposals).toBe(0);
    classifier.release();
    expect((await inFlight).digit).toBe(1);
    await first.disposed;
    expect(classifier.disposals).toBe(1);
  });
});

describe('the model router, pinned to a version', () => {
  function router(loader = fakeLoader()): { router: ModelRouter; events: ModelCallEvent[]; loader: ReturnType<typeof fakeLoader> } {
    const r = new ModelRouter({ active: served('v1', 1), canary: { model: served('v2', 2), weight: 0.99 }, revision: 3 }, { recognise: false, random: () => 0, loadPinned: loader.load });
    const events: ModelCallEvent[] = [];
    r.onCall((event) => events.push(event));
    return { router: r, events, loader };
  }

  it('answers with the routed active version when pinned to it, never the canary', async () => {
    const { router: r, events, loader } = router();
    const answer = await r.callPinned('v1', (c) => c.classify(PIXELS));
    expect(answer.digit).toBe(1);
    expect(loader.loads).toEqual([]);
    expect(events).toMatchObject([{ version: 'v1', role: 'pinned', outcome: 'answered' }]);
  });

  it('loads a registered version the routing does not serve', async () => {
    const { router: r, loader } = router();
    await r.preparePinned('v7');
    expect((await r.callPinned('v7', (c) => c.classify(PIXELS))).digit).toBe(7);
    expect(loader.loads).toEqual(['v7']);
    await r.dispose();
    expect((loader.models.get('v7')!.classifier as ReturnType<typeof createVersionClassifier>).disposals).toBe(1);
  });

  it('refuses a version the registry does not know with a 400, and one that cannot load with a 503', async () => {
    const { router: r } = router();
    await expect(r.callPinned('nope', (c) => c.classify(PIXELS))).rejects.toThrow(UnknownModelVersionError);
    await expect(r.preparePinned('nope')).rejects.toThrow('no model version nope in the registry');
    await expect(r.callPinned('broken', (c) => c.classify(PIXELS))).rejects.toThrow(UnavailableError);
  });

  it('without a loader, knows only the routed versions', async () => {
    const r = new ModelRouter({ active: served('v1', 1), canary: null, revision: 1 }, { recognise: false });
    await expect(r.preparePinned('v7')).rejects.toThrow(UnknownModelVersionError);
    expect((await r.callPinned('v1', (c) => c.classify(PIXELS))).digit).toBe(1);
  });
});
