import type * as tf from '@tensorflow/tfjs';
import { disposeIntermediates, innerTransposePerm, runSingle, wasmKernel, type KernelArgs, type TensorInfo } from './wasm-kernel-utils.js';

/**
 * The wasm backend's BatchMatMul is fast only without transposes: measured here on
 * [128,1024] x [128,1024] with transposeA, 636 ms of CPU against 15 ms for an explicit
 * Transpose followed by a plain product (transposeB: 117 ms against 22 ms). Backpropagation
 * through a dense layer needs exactly those two transposed products, so this wrapper
 * transposes first and hands the backend's kernel a plain product.
 */
export function createBatchMatMulWasm(original: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return original(args);
    const transpose = wasmKernel('Transpose');
    const temps: TensorInfo[] = [];
    const prepare = (t: TensorInfo, flip: boolean): TensorInfo => {
      if (!flip) return t;
      const out = runSingle(transpose, { inputs: { x: t }, backend, attrs: { perm: innerTransposePerm(t.shape.length) } });
      temps.push(out);
      return out;
    };
    const a = prepare(inputs.a as TensorInfo, transposeA);
    const b = prepare(inputs.b as TensorInfo, transposeB);
    const result = runSingle(original, { inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    disposeIntermediates(backend, ...temps);
    return result;
  };
}
