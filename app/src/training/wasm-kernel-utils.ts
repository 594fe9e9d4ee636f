import * as tf from '@tensorflow/tfjs';

/**
 * Helpers for kernels composed from the wasm backend's own kernels: call a registered wasm
 * kernel directly (no autograd, no engine bookkeeping) and free its intermediate results.
 */

export type TensorInfo = tf.TensorInfo;
export type KernelArgs = Parameters<tf.KernelFunc>[0];

interface BackendWithDispose {
  disposeData(dataId: object): boolean;
}

/** The kernel function registered for wasm under `name`; throws when there is none. */
export function wasmKernel(name: string): tf.KernelFunc {
  const config = tf.getKernel(name, 'wasm');
  if (config === undefined) throw new Error(`wasm kernel ${name} is missing`);
  return config.kernelFunc;
}

/** Runs a kernel expected to produce exactly one tensor. */
export function runSingle(kernel: tf.KernelFunc, args: KernelArgs): TensorInfo {
  const result = kernel(args);
  if (Array.isArray(result)) throw new Error('expected a single tensor from a wasm kernel');
  return result;
}

/** Frees intermediate tensors a composed kernel created (not its inputs or its output). */
export function disposeIntermediates(backend: KernelArgs['backend'], ...infos: TensorInfo[]): void {
  const owner = backend as unknown as BackendWithDispose;
  for (const info of infos) owner.disposeData(info.dataId);
}

/** [n, n] or a single number as a pair. */
export function pairOf(value: number | [number, number] | undefined, fallback: number): [number, number] {
  if (value === undefined) return [fallback, fallback];
  return typeof value === 'number' ? [value, value] : value;
}

/** Swaps the two innermost axes: the permutation for rank `rank`. */
export function innerTransposePerm(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 1] = rank - 2;
  perm[rank - 2] = rank - 1;
  return perm;
}
