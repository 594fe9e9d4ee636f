import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../config.js';
import { selectBackend } from '../backend.js';
import { loadModel, MODEL_ONNX } from '../model-io.js';
import { exportOnnx } from './export-onnx.js';

/**
 * app/model/model.onnx is generated (by `make train`, or `mnist export-onnx` for a model trained
 * before), committed, and served: it must be exactly what the committed TF.js weights convert
 * to, or the service would answer with other weights than the model card describes.
 */

const MODEL_DIR = path.join(PROJECT_ROOT, 'app/model');

describe('the committed ONNX twin', () => {
  it('is current: the committed TF.js weights convert to exactly its bytes', async () => {
    await selectBackend('cpu');
    const model = await loadModel(MODEL_DIR);
    try {
      const committed = new Uint8Array(await readFile(path.join(MODEL_DIR, MODEL_ONNX)));
      const fresh = exportOnnx(model);
      // A byte-for-byte comparison of 4 MB reports poorly through toEqual: compare, then explain.
      const same = committed.length === fresh.length && Buffer.compare(committed, fresh) === 0;
      expect(same, `${MODEL_ONNX} is stale: run "node dist/app/src/cli/index.js export-onnx" (or make onnx)`).toBe(true);
    } finally {
      model.dispose();
    }
  });
});
