import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectTrainingBackend } from './wasm-training-kernels.js';

function seeded(shape: number[], seed: number): tf.Tensor {
  let state = seed;
  const size = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: size }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  });
  return tf.tensor(data, shape);
}

async function productOn(backend: 'cpu' | 'wasm', aShape: number[], bShape: number[], ta: boolean, tb: boolean): Promise<Float32Array> {
  await tf.setBackend(backend);
  const a = seeded(aShape, 3);
  const b = seeded(bShape, 5);
  const c = tf.matMul(a, b, ta, tb);
  const data = (await c.data()) as Float32Array;
  tf.dispose([a, b, c]);
  return data;
}

describe('BatchMatMul with transposes on wasm', () => {
  beforeAll(async () => {
    await selectTrainingBackend('wasm');
  });

  const cases: Array<[string, number[], number[], boolean, boolean]> = [
    ['transposeA, as in a dense layer\'s weight gradient', [64, 40], [64, 30], true, false],
    ['transposeB, as in a dense layer\'s input gradient', [64, 40], [30, 40], false, true],
    ['both transposed', [40, 64], [30, 40], true, true],
    ['a rank-3 batch with transposeA', [3, 16, 8], [3, 16, 5], true, false],
    ['no transpose (the inference path)', [8, 16], [16, 4], false, false],
  ];

  for (const [name, aShape, bShape, ta, tb] of cases) {
    it(`matches the cpu backend for ${name}`, async () => {
      const onCpu = await productOn('cpu', aShape, bShape, ta, tb);
      const onWasm = await productOn('wasm', aShape, bShape, ta, tb);
      expect(onWasm.length).toBe(onCpu.length);
      let worst = 0;
      for (let i = 0; i < onCpu.length; i++) worst = Math.max(worst, Math.abs(onWasm[i]! - onCpu[i]!));
      expect(worst).toBeLessThan(1e-4);
    });
  }

  it('leaves no intermediate tensor behind', async () => {
    await tf.setBackend('wasm');
    const a = seeded([32, 16], 1);
    const b = seeded([32, 8], 2);
    const before = tf.memory().numBytes;
    const c = tf.matMul(a, b, true, false);
    expect(tf.memory().numBytes - before).toBe(c.size * 4);
    tf.dispose([a, b, c]);
  });
});
