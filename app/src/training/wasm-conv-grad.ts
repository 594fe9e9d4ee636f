import * as tf from '@tensorflow/tfjs';
import { disposeIntermediates, pairOf, runSingle, wasmKernel, type KernelArgs, type TensorInfo } from './wasm-kernel-utils.js';

/**
 * Convolution gradients for the wasm backend of TF.js 4.22, written as forward convolutions
 * so they run on its fast (XNNPACK) Conv2D. Stride 1, dilation 1, NHWC: what our CNN uses.
 *
 * Filter gradient: the backend has no `Conv2DBackpropFilter` at all (tfjs issue #8474), so
 * training fails without it.
 *   dW[kh, kw, ci, co] = sum over n, h, w of x[n, h + kh - padTop, w + kw - padLeft, ci] * dy[n, h, w, co]
 * = Conv2D(input transpose(x, [3,1,2,0]) : [ci, H, W, N], filter transpose(dy, [1,2,0,3]) :
 *   [outH, outW, N, co]) -> [ci, kh, kw, co], then transpose [1,2,0,3] -> [kh, kw, ci, co];
 *   the forward padding becomes this convolution's explicit padding.
 *
 * Input gradient: the backend's own `Conv2DBackpropInput` is a plain loop, ~8x slower than
 *   dx = Conv2D(dy, reverse(W, [0,1]) with ci and co swapped), padded by (k - 1 - forward pad),
 * so ours replaces it for stride 1 and falls back to the original kernel otherwise.
 */

type Shape4 = [number, number, number, number];

function forwardPadding(xShape: Shape4, filterShape: Shape4, pad: tf.Conv2DBackpropFilterAttrs['pad'], rounding: tf.Conv2DBackpropFilterAttrs['dimRoundingMode']) {
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, 1, 1, pad, rounding).padInfo;
}

function isStrideOne(strides: number | [number, number]): boolean {
  const [h, w] = pairOf(strides, 1);
  return h === 1 && w === 1;
}

/** Conv2DBackpropFilter for wasm (exported so the unit test can compare it with cpu). */
export function conv2DBackpropFilterWasm(args: KernelArgs): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat !== undefined && dataFormat !== 'NHWC') throw new Error(`Conv2DBackpropFilter on wasm supports NHWC only, got ${dataFormat}`);
  if (!isStrideOne(strides)) throw new Error(`Conv2DBackpropFilter on wasm supports stride 1 only, got ${String(strides)}`);
  const { top, bottom, left, right } = forwardPadding(x.shape as Shape4, filterShape, pad, dimRoundingMode);
  const transpose = wasmKernel('Transpose');
  const xT = runSingle(transpose, { inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } });
  const dyT = runSingle(transpose, { inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } });
  const convAttrs = { strides: 1, pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC', dilations: 1 };
  const grad = runSingle(wasmKernel('Conv2D'), { inputs: { x: xT, filter: dyT }, backend, attrs: convAttrs as unknown as tf.NamedAttrMap });
  const result = runSingle(transpose, { inputs: { x: grad }, backend, attrs: { perm: [1, 2, 0, 3] } });
  disposeIntermediates(backend, xT, dyT, grad);
  return result;
}

/** Conv2DBackpropInput for wasm with stride 1; `fallback` (the backend's own) otherwise. */
export function createConv2DBackpropInputWasm(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const dy = inputs.dy as TensorInfo;
    const filter = inputs.filter as TensorInfo;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if ((dataFormat !== undefined && dataFormat !== 'NHWC') || !isStrideOne(strides)) return fallback(args);
    const [kh, kw] = filter.shape as Shape4;
    const [, h, w] = inputShape;
    const [, dyH, dyW] = dy.shape as Shape4;
    const p = forwardPadding(inputShape, filter.shape as Shape4, pad, dimRoundingMode);
    const padTop = kh - 1 - p.top;
    const padLeft = kw - 1 - p.left;
    const padBottom = h - dyH - padTop + kh - 1;
    const padRight = w - dyW - padLeft + kw - 1;
    if (Math.min(padTop, padLeft, padBottom, padRight) < 0) return fallback(args);
    const reversed = runSingle(wasmKernel('Reverse'), { inputs: { x: filter }, backend, attrs: { dims: [0, 1] } });
    const swapped = runSingle(wasmKernel('Transpose'), { inputs: { x: reversed }, backend, attrs: { perm: [0, 1, 3, 2] } });
    const convAttrs = { strides: 1, pad: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]], dataFormat: 'NHWC', dilations: 1 };
    const dx = runSingle(wasmKernel('Conv2D'), { inputs: { x: dy, filter: swapped }, backend, attrs: convAttrs as unknown as tf.NamedAttrMap });
    disposeIntermediates(backend, reversed, swapped);
    return dx;
  };
}
