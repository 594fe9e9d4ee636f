import * as tf from '@tensorflow/tfjs';

/**
 * The wasm backend of TF.js 4.22 has no `Conv2DBackpropFilter` kernel (tfjs issue #8474), so
 * training a convolution on it fails. The filter gradient is itself a convolution:
 *
 *   dW[kh, kw, ci, co] = sum over n, h, w of x[n, h*s + kh - padTop, w*s + kw - padLeft, ci] * dy[n, h, w, co]
 *
 * For stride 1 that is Conv2D(input = transpose(x, [3,1,2,0]) : [ci, H, W, N],
 *                             filter = transpose(dy, [1,2,0,3]) : [outH, outW, N, co])
 * giving [ci, kh, kw, co], which transpose [1,2,0,3] turns into [kh, kw, ci, co]. The forward
 * convolution's padding becomes the explicit padding of this one. Only the kernels the wasm
 * backend already has (Transpose, Conv2D) are used, so it runs at wasm speed.
 */

type TensorInfo = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];
interface BackendWithDispose {
  disposeData(dataId: object): boolean;
}

function wasmKernel(name: string): tf.KernelFunc {
  const config = tf.getKernel(name, 'wasm');
  if (config === undefined) throw new Error(`wasm kernel ${name} is missing`);
  return config.kernelFunc;
}

function asSingle(result: TensorInfo | TensorInfo[]): TensorInfo {
  if (Array.isArray(result)) throw new Error('expected a single tensor from a wasm kernel');
  return result;
}

function pairOf(value: number | [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : value;
}

/** The kernel function: exported so the unit test can compare it with the cpu backend. */
export function conv2DBackpropFilterWasm(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`Conv2DBackpropFilter on wasm supports NHWC only, got ${dataFormat}`);
  }
  const [strideH, strideW] = pairOf(strides);
  if (strideH !== 1 || strideW !== 1) {
    throw new Error(`Conv2DBackpropFilter on wasm supports stride 1 only, got ${strideH}x${strideW}`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    1,
    1,
    pad,
    dimRoundingMode,
  );
  const { top, bottom, left, right } = info.padInfo;
  const transpose = wasmKernel('Transpose');
  const conv2d = wasmKernel('Conv2D');
  const owner = backend as unknown as BackendWithDispose;

  const xT = asSingle(transpose({ inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } }));
  const dyT = asSingle(transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } }));
  const explicitPad = [[0, 0], [top, bottom], [left, right], [0, 0]];
  const grad = asSingle(
    conv2d({
      inputs: { x: xT, filter: dyT },
      backend,
      attrs: { strides: 1, pad: explicitPad, dataFormat: 'NHWC', dilations: 1 } as unknown as tf.NamedAttrMap,
    }),
  );
  const result = asSingle(transpose({ inputs: { x: grad }, backend, attrs: { perm: [1, 2, 0, 3] } }));
  owner.disposeData(xT.dataId);
  owner.disposeData(dyT.dataId);
  owner.disposeData(grad.dataId);
  return result;
}

/** Registers the missing training kernels for wasm; safe to call more than once. */
export function registerWasmTrainingKernels(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined) return;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: conv2DBackpropFilterWasm,
  });
}
