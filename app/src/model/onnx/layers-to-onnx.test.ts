import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { extractLayerStack } from './export-onnx.js';
import { convertLayersToOnnx, ONNX_INPUT, ONNX_OUTPUT, transposeConvKernel } from './layers-to-onnx.js';
import { encodeModel } from './onnx-proto.js';
import { encodeVarint } from './protobuf-writer.js';

/**
 * The TF.js -> ONNX converter on small random models, checked by running both: any mistake in
 * layout (NHWC vs NCHW), kernel order, Keras flatten order or padding changes the numbers.
 */

async function runBoth(model: tf.LayersModel, inputShape: [number, number, number], batch: number): Promise<{ tfjs: Float32Array; onnx: Float32Array }> {
  const x = tf.randomUniform([batch, ...inputShape], 0, 1, 'float32', 42);
  const tfjs = (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  const bytes = encodeModel(convertLayersToOnnx(extractLayerStack(model)), 'test');
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', x.dataSync() as Float32Array, [batch, ...inputShape]) });
  await session.release();
  return { tfjs, onnx: out[ONNX_OUTPUT]!.data as Float32Array };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

describe('TF.js layers to ONNX converter', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('encodes varints as protobuf does, including negative int64', () => {
    expect([...encodeVarint(1n)]).toEqual([1]);
    expect([...encodeVarint(300n)]).toEqual([0xac, 0x02]);
    expect([...encodeVarint(-1n)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it('reorders a Keras [kh, kw, cin, cout] kernel to ONNX [cout, cin, kh, kw]', () => {
    const shape = [2, 3, 2, 4];
    const values = Float32Array.from({ length: 48 }, (_, i) => i);
    const out = transposeConvKernel(values, shape);
    // Element [y=1, x=2, i=1, o=3] of the Keras kernel lands at [o=3, i=1, y=1, x=2].
    const keras = ((1 * 3 + 2) * 2 + 1) * 4 + 3;
    const onnx = ((3 * 2 + 1) * 2 + 1) * 3 + 2;
    expect(out[onnx]).toBe(values[keras]);
  });

  it('matches TF.js on a multi-channel CNN whose flatten order matters', async () => {
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ inputShape: [9, 7, 2], filters: 3, kernelSize: [3, 2], activation: 'relu', biasInitializer: 'randomNormal' }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tf.layers.conv2d({ filters: 4, kernelSize: 2, padding: 'same', strides: 1 }));
    model.add(tf.layers.dropout({ rate: 0.5 }));
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({ units: 6, activation: 'relu', biasInitializer: 'randomNormal' }));
    model.add(tf.layers.dense({ units: 5, activation: 'softmax' }));
    const { tfjs, onnx } = await runBoth(model, [9, 7, 2], 5);
    expect(maxAbsDiff(tfjs, onnx)).toBeLessThan(1e-5);
  });

  it('matches TF.js with batch normalisation, average pooling and odd same-padding', async () => {
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, strides: 2, padding: 'same' }));
    model.add(tf.layers.batchNormalization({ movingMeanInitializer: 'randomNormal', movingVarianceInitializer: 'ones', gammaInitializer: 'randomNormal' }));
    model.add(tf.layers.activation({ activation: 'relu' }));
    model.add(tf.layers.averagePooling2d({ poolSize: 2 }));
    model.add(tf.layers.flatten());
    model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
    const { tfjs, onnx } = await runBoth(model, [8, 8, 1], 3);
    expect(maxAbsDiff(tfjs, onnx)).toBeLessThan(1e-5);
  });

  it('refuses a layer it cannot translate instead of guessing', () => {
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 1, kernelSize: 2 }));
    model.add(tf.layers.upSampling2d({ size: [2, 2] }));
    model.add(tf.layers.flatten());
    expect(() => convertLayersToOnnx(extractLayerStack(model))).toThrow(/UpSampling2D is not supported/);
  });
});
