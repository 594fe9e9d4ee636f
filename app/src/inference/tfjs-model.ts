import type { Tensor2D } from '@tensorflow/tfjs';
import type { BackendChoice, TfjsBackendName } from '../config.js';
import { IMAGE_SIZE, NUM_CLASSES } from '../mnist/geometry.js';
import type { LoadedRuntime } from './inference-model.js';

/**
 * The model on TF.js (tfjs-node, wasm or pure JS): the fallback when onnxruntime-node is not
 * installed or model.onnx is missing. TF.js is imported only here and only when this runtime is
 * chosen, so a service running on onnxruntime never loads it (start-up time and memory).
 */

function checkShape(inputs: readonly (readonly (number | null)[])[], outputs: readonly (readonly (number | null)[])[]): void {
  const input = JSON.stringify(inputs[0]);
  const output = JSON.stringify(outputs[0]);
  if (input !== JSON.stringify([null, IMAGE_SIZE, IMAGE_SIZE, 1]) || output !== JSON.stringify([null, NUM_CLASSES])) {
    throw new Error(`model takes ${input} and gives ${output}; expected [null,28,28,1] -> [null,10]`);
  }
}

/**
 * Selects the TF.js backend (`choice`: one of them, or auto for tensorflow -> wasm -> cpu) and
 * loads model.json + weights.bin. An explicit choice that cannot start throws naming `setting`.
 */
export async function loadTfjsModel(modelDir: string, choice: BackendChoice, setting: string): Promise<LoadedRuntime<TfjsBackendName>> {
  const [tf, { selectBackend }, { loadModel }] = await Promise.all([import('@tensorflow/tfjs'), import('../model/backend.js'), import('../model/model-io.js')]);
  const selection = await selectBackend(choice, { setting });
  const model = await loadModel(modelDir);
  try {
    checkShape(model.inputs.map((t) => t.shape), model.outputs.map((t) => t.shape));
  } catch (error) {
    model.dispose();
    throw error;
  }
  return {
    backend: selection.name,
    fallbacks: selection.fallbacks,
    // Tensors are freed before returning so memory stays flat.
    async predict(pixels: Float32Array, count: number): Promise<Float32Array> {
      const probsT = tf.tidy(() => model.predict(tf.tensor4d(pixels, [count, IMAGE_SIZE, IMAGE_SIZE, 1])) as Tensor2D);
      try {
        return (await probsT.data()) as Float32Array;
      } finally {
        probsT.dispose();
      }
    },
    dispose: () => model.dispose(),
  };
}
