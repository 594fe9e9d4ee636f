import type * as tf from '@tensorflow/tfjs';
import { convertLayersToOnnx, type LayerSpec, type LayerStack } from './layers-to-onnx.js';
import { encodeModel } from './onnx-proto.js';

/**
 * The ONNX twin of a trained TF.js model: the same weights, written as an ONNX graph that
 * onnxruntime serves (TF.js stays the training framework). Deterministic: the same weights give
 * the same bytes, so a test can tell whether the committed model.onnx is current.
 */

/** The ONNX twin's file name, beside model.json and weights.bin. */
export const MODEL_ONNX = 'model.onnx';

/** Written into the file's producer_name: a fixed string, so the bytes depend on the weights only. */
export const ONNX_PRODUCER = 'mnist-k8s layers-to-onnx';

/** Reads each layer's class, config and weights out of a loaded TF.js model. */
export function extractLayerStack(model: tf.LayersModel): LayerStack {
  const inputShape = model.inputs[0]?.shape.slice(1);
  if (inputShape === undefined || inputShape.some((d) => d === null)) throw new Error('the model has no fixed input shape');
  const layers: LayerSpec[] = model.layers.map((layer) => ({
    className: layer.getClassName(),
    name: layer.name,
    config: layer.getConfig() as Record<string, unknown>,
    weights: Object.fromEntries(
      layer.weights.map((w) => [w.originalName.split('/').pop() ?? w.originalName, { shape: w.shape as number[], values: w.read().dataSync() as Float32Array }]),
    ),
  }));
  return { inputShape: inputShape as number[], layers };
}

/** The model as ONNX file bytes; throws naming the layer when one has no ONNX translation. */
export function exportOnnx(model: tf.LayersModel): Uint8Array {
  return encodeModel(convertLayersToOnnx(extractLayerStack(model)), ONNX_PRODUCER);
}
