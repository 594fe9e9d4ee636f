/**
 * The few protobuf wire-format primitives an ONNX file needs, so `make train` can write the
 * ONNX model without a Python toolchain or a protobuf dependency. Messages are built bottom-up: a
 * nested message is encoded first, then embedded as a length-delimited field of its parent.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LENGTH_DELIMITED = 2;

/** Appends protobuf fields to a growing list of byte chunks; `finish()` concatenates them. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];

  /** An int32/int64/enum field. Negative values use the 10-byte two's complement form, as protobuf does. */
  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.chunks.push(encodeVarint(BigInt(value)));
    return this;
  }

  /** A float field (fixed32, little-endian). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.chunks.push(bytes);
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A bytes field, or an embedded message already encoded with `finish()`. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.chunks.push(encodeVarint(BigInt(value.length)), value);
    return this;
  }

  /** A repeated int64 field, packed (the proto3 default, which ONNX readers accept). */
  packedInts(field: number, values: readonly number[]): this {
    const body = concatBytes(values.map((v) => encodeVarint(BigInt(v))));
    return this.bytes(field, body);
  }

  finish(): Uint8Array {
    return concatBytes(this.chunks);
  }

  private tag(field: number, wireType: number): void {
    this.chunks.push(encodeVarint(BigInt((field << 3) | wireType)));
  }
}

/** Base-128 varint; negative numbers are encoded as their 64-bit two's complement. */
export function encodeVarint(value: bigint): Uint8Array {
  let v = value < 0n ? (1n << 64n) + value : value;
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return Uint8Array.from(out);
}

/** Joins byte chunks into one array. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, c) => sum + c.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
