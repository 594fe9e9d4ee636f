import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isTypeScriptUrl, resolveSiblingScript, startModuleWorker } from './module-worker.js';

describe('starting a worker on an ES module, compiled or TypeScript', () => {
  it('tells TypeScript sources from compiled JavaScript by the URL\'s extension', () => {
    expect(isTypeScriptUrl(new URL('file:///app/src/inference/inference-worker.ts'))).toBe(true);
    expect(isTypeScriptUrl(new URL('file:///app/src/inference/inference-worker.mts'))).toBe(true);
    expect(isTypeScriptUrl(new URL('file:///dist/app/src/inference/inference-worker.js'))).toBe(false);
  });

  it('finds the sibling script with the caller\'s own extension: sources find sources, dist finds dist', () => {
    expect(resolveSiblingScript('file:///r/app/src/inference/classifier.ts', 'inference-worker').href).toBe('file:///r/app/src/inference/inference-worker.ts');
    expect(resolveSiblingScript('file:///r/dist/app/src/inference/classifier.js', 'inference-worker').href).toBe(
      'file:///r/dist/app/src/inference/inference-worker.js',
    );
  });

  it('runs a TypeScript worker that imports other TypeScript modules by their .js names', async () => {
    // The fake worker imports ../../src/inference/*.js, which exist only as .ts here.
    const worker = startModuleWorker(new URL('../../test/fixtures/fake-inference-worker.ts', import.meta.url), {
      workerData: { modelDir: 'fake', backend: 'auto', warmupBatchSizes: [2], maxBatchSize: 4, maxBatchWaitMs: 0 },
    });
    try {
      const [reply] = (await once(worker, 'message')) as [{ kind: string; modelVersion: string }];
      expect(reply).toMatchObject({ kind: 'ready', modelVersion: 'fake-2' });
    } finally {
      await worker.terminate();
    }
  });
});
