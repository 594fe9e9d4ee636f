import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectTrainingBackend } from './wasm-training-kernels.js';

/** Gradient of sum(conv2d(x, w) * r) with respect to x and w, on the given backend. */
async function gradientsOn(
  backend: 'cpu' | 'wasm',
  xData: Float32Array,
  xShape: [number, number, number, number],
  wData: Float32Array,
  wShape: [number, number, number, number],
  pad: 'valid' | 'same',
): Promise<{ dw: Float32Array; dx: Float32Array }> {
  await tf.setBackend(backend);
  const x = tf.tensor4d(xData, xShape);
  const w = tf.tensor4d(wData, wShape);
  const out = tf.conv2d(x, w, 1, pad);
  const r = tf.tensor(Float32Array.from({ length: out.size }, (_, i) => Math.sin(i * 0.37)), out.shape);
  const loss = (...t: tf.Tensor[]): tf.Scalar => tf.sum(tf.mul(tf.conv2d(t[0] as tf.Tensor4D, t[1] as tf.Tensor4D, 1, pad), r));
  const [dx, dw] = tf.grads(loss)([x, w]) as [tf.Tensor, tf.Tensor];
  const result = { dx: (await dx.data()) as Float32Array, dw: (await dw.data()) as Float32Array };
  tf.dispose([x, w, out, r, dx, dw]);
  return result;
}

function randomArray(length: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('Conv2DBackpropFilter on wasm', () => {
  beforeAll(async () => {
    await selectTrainingBackend('wasm');
  });

  const cases: Array<{ name: string; x: [number, number, number, number]; w: [number, number, number, number]; pad: 'valid' | 'same' }> = [
    { name: 'the first seed layer (5x5, 1 -> 32 channels, valid)', x: [6, 28, 28, 1], w: [5, 5, 1, 32], pad: 'valid' },
    { name: 'the second seed layer (5x5, 32 -> 64 channels, valid)', x: [2, 12, 12, 32], w: [5, 5, 32, 64], pad: 'valid' },
    { name: 'a same-padded 3x3 convolution', x: [2, 9, 7, 3], w: [3, 3, 3, 4], pad: 'same' },
    { name: 'a same-padded even 4x2 kernel', x: [2, 8, 8, 2], w: [4, 2, 2, 3], pad: 'same' },
  ];

  for (const c of cases) {
    it(`matches the cpu backend's filter and input gradients for ${c.name}`, async () => {
      const xData = randomArray(c.x.reduce((a, b) => a * b), 7);
      const wData = randomArray(c.w.reduce((a, b) => a * b), 11);
      const onCpu = await gradientsOn('cpu', xData, c.x, wData, c.w, c.pad);
      const onWasm = await gradientsOn('wasm', xData, c.x, wData, c.w, c.pad);
      const scale = Math.max(...Array.from(onCpu.dw, Math.abs));
      expect(scale).toBeGreaterThan(0.1);
      expect(maxAbsDiff(onWasm.dw, onCpu.dw) / scale).toBeLessThan(1e-5);
      expect(maxAbsDiff(onWasm.dx, onCpu.dx)).toBeLessThan(1e-4);
    });
  }

  it('refuses strides other than 1 with a clear message', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([1, 6, 6, 1]) as tf.Tensor4D;
    const w = tf.ones([2, 2, 1, 1]) as tf.Tensor4D;
    const f = (b: tf.Tensor): tf.Scalar => tf.sum(tf.conv2d(x, b as tf.Tensor4D, 2, 'valid'));
    expect(() => tf.grad(f)(w)).toThrow(/stride 1 only/);
    tf.dispose([x, w]);
  });
});
