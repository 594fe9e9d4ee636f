import * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../config.js';
import { selectBackend, type BackendSelection } from '../model/backend.js';
import { conv2DBackpropFilterWasm, createConv2DBackpropInputWasm } from './wasm-conv-grad.js';
import { createBatchMatMulWasm } from './wasm-matmul.js';

/**
 * Makes the wasm backend fit for training our CNN: adds the missing Conv2DBackpropFilter and
 * swaps two slow kernels (Conv2DBackpropInput, transposed BatchMatMul) for compositions of
 * its fast ones. Only training registers them: inference runs no gradient and no transposed
 * product, so the service keeps the backend's own kernels.
 * Must run after the wasm backend is initialised (the originals are already set up then).
 */

let registered = false;

function replaceKernel(name: string, wrap: (original: tf.KernelFunc) => tf.KernelFunc): void {
  const original = tf.getKernel(name, 'wasm');
  if (original === undefined) throw new Error(`wasm kernel ${name} is missing`);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...original, kernelFunc: wrap(original.kernelFunc) });
}

/** Registers the training kernels once per process. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') === undefined) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilterWasm });
  }
  replaceKernel('Conv2DBackpropInput', createConv2DBackpropInputWasm);
  replaceKernel('BatchMatMul', createBatchMatMulWasm);
}

/** selectBackend for training: on wasm, with the training kernels registered. */
export async function selectTrainingBackend(choice: BackendChoice): Promise<BackendSelection> {
  const selection = await selectBackend(choice);
  if (selection.name === 'wasm') registerWasmTrainingKernels();
  return selection;
}
