import type { AttributeValue, OnnxGraph, OnnxInitializer, OnnxNode } from './onnx-proto.js';

/**
 * Translates a Keras-style sequential layer stack (as TF.js holds it) into an ONNX graph that
 * computes the same function. TF.js layers are NHWC and ONNX Conv/MaxPool are NCHW, so the
 * graph transposes once after the input and once more before Flatten: Keras flattens in
 * (h, w, c) order and the Dense kernel that follows expects exactly that order.
 */

/** One layer's class, config (TF.js camelCase getConfig()) and weights by short name. */
export interface LayerSpec {
  readonly className: string;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** Keyed by the variable's last path part: kernel, bias, gamma, beta, moving_mean, moving_variance. */
  readonly weights: Readonly<Record<string, { readonly shape: readonly number[]; readonly values: Float32Array }>>;
}

export interface LayerStack {
  /** Input shape without the batch dimension, e.g. [28, 28, 1]. */
  readonly inputShape: readonly number[];
  readonly layers: readonly LayerSpec[];
}

/** Graph input and output names: what onnx-inference.ts feeds and reads. */
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'output';

type Layout = 'nchw' | 'flat';

function pair(value: unknown, fallback: number): [number, number] {
  if (value === undefined || value === null) return [fallback, fallback];
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2) return [Number(value[0]), Number(value[1])];
  throw new Error(`expected a number or a pair, got ${JSON.stringify(value)}`);
}

/** Reorders a Keras conv kernel [kh, kw, cin, cout] into ONNX's [cout, cin, kh, kw]. */
export function transposeConvKernel(values: Float32Array, shape: readonly number[]): Float32Array {
  const [kh, kw, cin, cout] = shape as [number, number, number, number];
  const out = new Float32Array(values.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = values[((y * kw + x) * cin + i) * cout + o]!;
  return out;
}

class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxInitializer[] = [];
  current = ONNX_INPUT;
  layout: Layout = 'nchw';
  features = 0;
  private counter = 0;

  add(opType: string, extraInputs: readonly string[], attributes?: Record<string, AttributeValue>): void {
    const output = `t${this.counter++}_${opType.toLowerCase()}`;
    this.nodes.push({ opType, inputs: [this.current, ...extraInputs], outputs: [output], ...(attributes ? { attributes } : {}) });
    this.current = output;
  }

  constant(name: string, dims: readonly number[], data: Float32Array): string {
    this.initializers.push({ name, dims, data });
    return name;
  }
}

function weight(layer: LayerSpec, key: string): { shape: readonly number[]; values: Float32Array } {
  const w = layer.weights[key];
  if (w === undefined) throw new Error(`layer ${layer.name} (${layer.className}) has no "${key}" weight`);
  return w;
}

function addActivation(g: GraphBuilder, activation: unknown, layerName: string): void {
  switch (activation ?? 'linear') {
    case 'linear': return;
    case 'relu': return g.add('Relu', []);
    case 'sigmoid': return g.add('Sigmoid', []);
    case 'tanh': return g.add('Tanh', []);
    case 'elu': return g.add('Elu', []);
    case 'softmax':
      if (g.layout !== 'flat') throw new Error(`layer ${layerName}: softmax is only converted on flat tensors`);
      return g.add('Softmax', [], { axis: -1 });
    default: throw new Error(`layer ${layerName}: activation ${JSON.stringify(activation)} is not supported`);
  }
}

function addPadding(config: Readonly<Record<string, unknown>>): Record<string, AttributeValue> {
  const padding = config.padding ?? 'valid';
  if (padding === 'valid') return { pads: [0, 0, 0, 0] };
  // TF's 'same' puts the odd extra pixel at the end, which is ONNX's SAME_UPPER.
  if (padding === 'same') return { auto_pad: 'SAME_UPPER' };
  throw new Error(`padding ${JSON.stringify(padding)} is not supported`);
}

function checkChannelsLast(layer: LayerSpec): void {
  const format = layer.config.dataFormat;
  if (format !== undefined && format !== 'channelsLast' && format !== 'channels_last') {
    throw new Error(`layer ${layer.name}: data format ${String(format)} is not supported`);
  }
}

function addLayer(g: GraphBuilder, layer: LayerSpec): void {
  const c = layer.config;
  switch (layer.className) {
    case 'InputLayer': case 'Dropout': case 'SpatialDropout2D': case 'GaussianNoise': case 'GaussianDropout':
      return; // identity at inference
    case 'Conv2D': {
      checkChannelsLast(layer);
      const kernel = weight(layer, 'kernel');
      const [kh, kw] = [kernel.shape[0]!, kernel.shape[1]!];
      const inputs = [g.constant(`${layer.name}.W`, [kernel.shape[3]!, kernel.shape[2]!, kh, kw], transposeConvKernel(kernel.values, kernel.shape))];
      if (c.useBias !== false) inputs.push(g.constant(`${layer.name}.B`, weight(layer, 'bias').shape, weight(layer, 'bias').values));
      g.add('Conv', inputs, { kernel_shape: [kh, kw], strides: pair(c.strides, 1), dilations: pair(c.dilationRate, 1), ...addPadding(c) });
      return addActivation(g, c.activation, layer.name);
    }
    case 'MaxPooling2D': case 'AveragePooling2D': {
      checkChannelsLast(layer);
      const pool = pair(c.poolSize, 2);
      const strides = c.strides === null || c.strides === undefined ? pool : pair(c.strides, 1);
      return g.add(layer.className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [], { kernel_shape: pool, strides, ...addPadding(c) });
    }
    case 'Flatten':
      if (g.layout === 'nchw') g.add('Transpose', [], { perm: [0, 2, 3, 1] });
      g.layout = 'flat';
      return g.add('Flatten', [], { axis: 1 });
    case 'Dense': {
      if (g.layout !== 'flat') throw new Error(`layer ${layer.name}: Dense on a rank-4 tensor is not supported (add Flatten)`);
      const kernel = weight(layer, 'kernel');
      g.features = kernel.shape[1]!;
      const bias = c.useBias !== false ? weight(layer, 'bias') : { shape: [g.features], values: new Float32Array(g.features) };
      g.add('Gemm', [g.constant(`${layer.name}.W`, kernel.shape, kernel.values), g.constant(`${layer.name}.B`, bias.shape, bias.values)]);
      return addActivation(g, c.activation, layer.name);
    }
    case 'BatchNormalization': {
      const mean = weight(layer, 'moving_mean');
      const ones = new Float32Array(mean.values.length).fill(1);
      const gamma = c.scale === false ? ones : weight(layer, 'gamma').values;
      const beta = c.center === false ? new Float32Array(mean.values.length) : weight(layer, 'beta').values;
      const dims = [mean.values.length];
      g.add('BatchNormalization', [
        g.constant(`${layer.name}.scale`, dims, gamma), g.constant(`${layer.name}.B`, dims, beta),
        g.constant(`${layer.name}.mean`, dims, mean.values), g.constant(`${layer.name}.var`, dims, weight(layer, 'moving_variance').values),
      ], { epsilon: { float: Number(c.epsilon ?? 1e-3) } });
      return;
    }
    case 'Activation': case 'ReLU':
      return addActivation(g, layer.className === 'ReLU' ? 'relu' : c.activation, layer.name);
    default:
      throw new Error(`layer ${layer.name}: ${layer.className} is not supported by the ONNX converter`);
  }
}

/** Builds the ONNX graph: input `input` [batch, ...inputShape] NHWC, output `output` [batch, classes]. */
export function convertLayersToOnnx(stack: LayerStack): OnnxGraph {
  if (stack.inputShape.length !== 3) throw new Error(`expected an image input [h, w, c], got [${stack.inputShape.join(', ')}]`);
  const g = new GraphBuilder();
  g.add('Transpose', [], { perm: [0, 3, 1, 2] });
  for (const layer of stack.layers) addLayer(g, layer);
  if (g.layout !== 'flat') throw new Error('the model does not end in a flat [batch, classes] tensor');
  g.nodes.push({ opType: 'Identity', inputs: [g.current], outputs: [ONNX_OUTPUT] });
  return {
    name: 'mnist_cnn',
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [{ name: ONNX_INPUT, dims: ['batch', ...stack.inputShape] }],
    outputs: [{ name: ONNX_OUTPUT, dims: ['batch', g.features] }],
  };
}
