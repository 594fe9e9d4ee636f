import { ProtoWriter } from './protobuf-writer.js';

/**
 * Encoders for the subset of onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto,
 * ValueInfoProto, AttributeProto) a feed-forward float32 graph uses. Field numbers are
 * onnx.proto's; onnxruntime rejects a malformed file at session creation, so every encoder here
 * is exercised by the parity test.
 */

/** TensorProto.DataType values we write. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

/** A node attribute: a number is an INT unless `float` is set, an array is INTS, a string is STRING. */
export type AttributeValue = number | readonly number[] | string | { readonly float: number };

export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/** A constant tensor (weights, shapes), stored as raw little-endian bytes. */
export interface OnnxInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

/** A graph input or output: float32 with fixed dims, or a named symbolic dim (the batch). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly dims: readonly (number | string)[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxInitializer[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

function encodeAttribute(name: string, value: AttributeValue): Uint8Array {
  const w = new ProtoWriter().string(1, name);
  if (typeof value === 'string') w.bytes(4, new TextEncoder().encode(value)).int(20, ATTR_STRING);
  else if (typeof value === 'number') w.int(3, value).int(20, ATTR_INT);
  else if (Array.isArray(value)) w.packedInts(8, value as readonly number[]).int(20, ATTR_INTS);
  else w.float(2, (value as { float: number }).float).int(20, ATTR_FLOAT);
  return w.finish();
}

function encodeNode(node: OnnxNode, index: number): Uint8Array {
  const w = new ProtoWriter();
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, `${node.opType.toLowerCase()}_${index}`).string(4, node.opType);
  for (const [name, value] of Object.entries(node.attributes ?? {})) w.bytes(5, encodeAttribute(name, value));
  return w.finish();
}

function encodeTensor(tensor: OnnxInitializer): Uint8Array {
  const w = new ProtoWriter();
  w.packedInts(1, tensor.dims);
  w.int(2, tensor.data instanceof Float32Array ? ONNX_FLOAT : ONNX_INT64);
  w.string(8, tensor.name);
  // raw_data is little-endian by the spec; x86-64 and arm64 typed arrays already are.
  w.bytes(9, new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
  return w.finish();
}

function encodeValueInfo(info: OnnxValueInfo): Uint8Array {
  const shape = new ProtoWriter();
  for (const dim of info.dims) {
    const d = new ProtoWriter();
    if (typeof dim === 'number') d.int(1, dim);
    else d.string(2, dim);
    shape.bytes(1, d.finish());
  }
  const tensorType = new ProtoWriter().int(1, ONNX_FLOAT).bytes(2, shape.finish()).finish();
  const type = new ProtoWriter().bytes(1, tensorType).finish();
  return new ProtoWriter().string(1, info.name).bytes(2, type).finish();
}

function encodeGraph(graph: OnnxGraph): Uint8Array {
  const w = new ProtoWriter();
  graph.nodes.forEach((node, i) => w.bytes(1, encodeNode(node, i)));
  w.string(2, graph.name);
  for (const init of graph.initializers) w.bytes(5, encodeTensor(init));
  for (const input of graph.inputs) w.bytes(11, encodeValueInfo(input));
  for (const output of graph.outputs) w.bytes(12, encodeValueInfo(output));
  return w.finish();
}

/** ONNX IR version 8 with the default-domain opset 17: both long supported by onnxruntime. */
export const IR_VERSION = 8;
export const OPSET_VERSION = 17;

/** Serialises a whole model file (ModelProto). */
export function encodeModel(graph: OnnxGraph, producer: string): Uint8Array {
  const opset = new ProtoWriter().string(1, '').int(2, OPSET_VERSION).finish();
  return new ProtoWriter()
    .int(1, IR_VERSION)
    .string(2, producer)
    .bytes(7, encodeGraph(graph))
    .bytes(8, opset)
    .finish();
}
