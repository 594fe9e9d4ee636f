import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectTrainingBackend } from './wasm-training-kernels.js';
import { buildModel } from './cnn.js';
import { readMnistTestSet } from '../mnist/mnist-data.js';
import { toBatch } from './training.js';

/**
 * End to end on wasm: the gradients of a full training step of our CNN (conv and its two
 * gradients, max-pool and its gradient, dense products with transposes, softmax cross-entropy)
 * agree with finite differences of the loss. (The cpu backend's own Conv2DBackpropFilter is
 * too slow at these shapes for a unit test; each kernel is compared with cpu on its own in
 * wasm-conv-grad.test.ts and wasm-matmul.test.ts.)
 */
describe('a full training step of the CNN on wasm', () => {
  beforeAll(async () => {
    await selectTrainingBackend('wasm');
  });

  it('gives weight gradients that match finite differences of the loss for all 8 weight tensors', async () => {
    const test = await readMnistTestSet();
    const model = buildModel({ seed: 21 });
    // Zero biases put every background pixel exactly on ReLU's kink, where a finite difference
    // measures the mean of two one-sided slopes; small positive biases move them off it.
    model.trainableWeights.filter((w) => w.name.endsWith('bias')).forEach((w, i) => {
      const bias = w.read() as tf.Variable;
      bias.assign(tf.randomUniform(bias.shape, 0.01, 0.05, 'float32', 100 + i));
    });
    const { x, y } = toBatch(test, [0, 1, 2, 3]);
    const lossFn = (): tf.Scalar => tf.mean(tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: false }) as tf.Tensor2D)) as tf.Scalar;
    const { grads, value } = tf.variableGrads(lossFn);
    expect(Object.keys(grads)).toHaveLength(8);
    const lossAt = (): number => tf.tidy(() => lossFn().dataSync()[0]!);
    const eps = 1e-3;
    for (const variable of model.trainableWeights.map((w) => w.read() as tf.Variable)) {
      const grad = grads[variable.name]!;
      const g = grad.dataSync();
      // The coordinate with the largest gradient gives the strongest signal over float32 noise.
      let k = 0;
      for (let i = 1; i < g.length; i++) if (Math.abs(g[i]!) > Math.abs(g[k]!)) k = i;
      const original = variable.dataSync().slice() as Float32Array;
      const nudged = (delta: number): number => {
        const values = original.slice();
        values[k]! += delta;
        variable.assign(tf.tensor(values, variable.shape));
        return lossAt();
      };
      const numeric = (nudged(eps) - nudged(-eps)) / (2 * eps);
      variable.assign(tf.tensor(original, variable.shape));
      expect(Math.abs(numeric - g[k]!) / Math.abs(g[k]!), `${variable.name}[${k}]: analytic ${g[k]} vs numeric ${numeric}`).toBeLessThan(0.05);
    }
    tf.dispose([x, y, value, ...Object.values(grads)]);
    model.dispose();
  });

  it('computes the max-pool gradient like the cpu backend', async () => {
    const run = async (backend: 'cpu' | 'wasm'): Promise<Float32Array> => {
      await tf.setBackend(backend);
      const x = tf.tensor4d(Float32Array.from({ length: 2 * 8 * 8 * 3 }, (_, i) => Math.sin(i * 1.7)), [2, 8, 8, 3]);
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), 3)))(x);
      const data = (await dx.data()) as Float32Array;
      tf.dispose([x, dx]);
      return data;
    };
    const onCpu = await run('cpu');
    expect(Array.from(await run('wasm'))).toEqual(Array.from(onCpu));
  });

  it('applies dropout in training mode on wasm, keeping the expected mean', async () => {
    await tf.setBackend('wasm');
    const ones = tf.ones([100, 100]);
    const dropped = tf.dropout(ones, 0.4);
    const values = await dropped.data();
    const zeros = values.filter((v) => v === 0).length;
    expect(zeros / values.length).toBeGreaterThan(0.35);
    expect(zeros / values.length).toBeLessThan(0.45);
    expect((await tf.mean(dropped).data())[0]).toBeCloseTo(1, 1);
    tf.dispose([ones, dropped]);
  });
});
