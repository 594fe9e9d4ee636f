import { describe, expect, it } from 'vitest';
import { createVersionClassifier, type VersionClassifier } from '../../test/fixtures/version-classifier.js';
import { EmptyImageError, UnavailableError } from '../errors.js';
import { ModelRouter, type ModelCallEvent } from './model-router.js';
import { ServedModel } from './served-model.js';

const PIXELS = new Float32Array(784);
const LIMITS = { maxInputPixels: 1, maxImageSidePx: 1, maxImageFrames: 1, decodeTimeoutMs: 1_000 };

function served(version: string, classifier: VersionClassifier): ServedModel {
  return new ServedModel(version, classifier, () => {});
}

/** 0, 1/n, 2/n, ...: exactly `weight * n` of n draws fall below `weight`. */
function evenDraws(n: number): () => number {
  let i = 0;
  return () => (i++ % n) / n;
}

/** Lets pending promise callbacks run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the model router', () => {
  it('sends the canary its weight of the requests, and each answer names the version that gave it', async () => {
    const active = createVersionClassifier(1);
    const canary = createVersionClassifier(2);
    const router = new ModelRouter(
      { active: served('v1', active), canary: { model: served('v2', canary), weight: 0.2 }, revision: 2 },
      { recognise: false, random: evenDraws(100) },
    );
    const answers = await Promise.all(Array.from({ length: 100 }, () => router.classify(PIXELS)));
    expect(canary.calls).toBe(20);
    expect(active.calls).toBe(80);
    expect(answers.filter((a) => a.modelVersion === 'v2').every((a) => a.digit === 2)).toBe(true);
    expect(answers.filter((a) => a.modelVersion === 'v1')).toHaveLength(80);
    expect(router.modelVersion).toBe('v1');
  });

  it('lets a request started before a switch finish on its version, then disposes that version', async () => {
    const old = createVersionClassifier(1);
    const next = createVersionClassifier(2);
    const oldModel = served('v1', old);
    const router = new ModelRouter({ active: oldModel, canary: null, revision: 1 }, { recognise: false });
    old.hold();
    const inFlight = [router.classify(PIXELS), router.classify(PIXELS)];
    await settle();

    router.switchTo({ active: served('v2', next), canary: null, revision: 2 });
    expect((await router.classify(PIXELS)).modelVersion).toBe('v2');
    expect(oldModel.inFlight).toBe(2);
    expect(old.disposals).toBe(0);

    old.release();
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => [a.modelVersion, a.digit])).toEqual([['v1', 1], ['v1', 1]]);
    await oldModel.disposed;
    expect(old.disposals).toBe(1);
    expect(next.disposals).toBe(0);
  });

  it('disposes a retired version at once when no request holds it', async () => {
    const old = createVersionClassifier(1);
    const oldModel = served('v1', old);
    const router = new ModelRouter({ active: oldModel, canary: null, revision: 1 }, { recognise: false });
    router.switchTo({ active: served('v2', createVersionClassifier(2)), canary: null, revision: 2 });
    await oldModel.disposed;
    expect(old.disposals).toBe(1);
  });

  it('keeps a model that changes role (canary promoted to active) without reloading or disposing it', async () => {
    const canary = createVersionClassifier(2);
    const canaryModel = served('v2', canary);
    const router = new ModelRouter({ active: served('v1', createVersionClassifier(1)), canary: { model: canaryModel, weight: 0.5 }, revision: 2 }, { recognise: false });
    router.switchTo({ active: canaryModel, canary: null, revision: 3 });
    expect((await router.classify(PIXELS)).modelVersion).toBe('v2');
    expect(canary.disposals).toBe(0);
    await router.dispose();
    expect(canary.disposals).toBe(1);
  });

  it('answers with the active version when the canary fails, and counts the failure against the canary', async () => {
    const active = createVersionClassifier(1, { recognise: true });
    const canary = createVersionClassifier(2, { recognise: true });
    canary.failWith(new UnavailableError('the canary inference worker is restarting'));
    const router = new ModelRouter(
      { active: served('v1', active), canary: { model: served('v2', canary), weight: 0.5 }, revision: 2 },
      { recognise: true, random: () => 0 },
    );
    const events: ModelCallEvent[] = [];
    router.onCall((event) => events.push(event));
    const answer = await router.recognise!(new Uint8Array(8), LIMITS);
    expect(answer.classification).toMatchObject({ digit: 1, modelVersion: 'v1' });
    expect(events.map((e) => [e.version, e.role, e.outcome])).toEqual([['v2', 'canary', 'failed'], ['v1', 'active', 'answered']]);
  });

  it("rethrows the image's own error from the canary: every version would refuse it, nobody failed", async () => {
    const active = createVersionClassifier(1);
    const canary = createVersionClassifier(2);
    canary.failWith(new EmptyImageError('no ink'));
    const router = new ModelRouter(
      { active: served('v1', active), canary: { model: served('v2', canary), weight: 0.5 }, revision: 2 },
      { recognise: false, random: () => 0 },
    );
    const events: ModelCallEvent[] = [];
    router.onCall((event) => events.push(event));
    await expect(router.classify(PIXELS)).rejects.toBeInstanceOf(EmptyImageError);
    expect(active.calls).toBe(0);
    expect(events).toEqual([]);
  });

  it('reports a failure of the active version and lets the error through (no version to fall back on)', async () => {
    const active = createVersionClassifier(1);
    active.failWith(new Error('onnxruntime exploded'));
    const router = new ModelRouter({ active: served('v1', active), canary: null, revision: 1 }, { recognise: false });
    const events: ModelCallEvent[] = [];
    router.onCall((event) => events.push(event));
    await expect(router.classify(PIXELS)).rejects.toThrow('onnxruntime exploded');
    expect(events.map((e) => [e.version, e.outcome])).toEqual([['v1', 'failed']]);
  });

  it('disposes every model on shutdown, retired ones still finishing included', async () => {
    const old = createVersionClassifier(1);
    const next = createVersionClassifier(2);
    const router = new ModelRouter({ active: served('v1', old), canary: null, revision: 1 }, { recognise: false });
    old.hold();
    const stuck = router.classify(PIXELS);
    await settle();
    router.switchTo({ active: served('v2', next), canary: null, revision: 2 });
    await router.dispose();
    expect([old.disposals, next.disposals]).toEqual([1, 1]);
    old.release();
    await stuck.catch(() => undefined);
  });
});
