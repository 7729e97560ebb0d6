/**
 * A bounded reader for the protobuf wire format
 * (https://protobuf.dev/programming-guides/encoding/): varint, 64-bit, length-delimited and
 * 32-bit fields. Defaults: a tag is at most 5 bytes (field numbers up to 2^29 - 1), a varint
 * at most 10 bytes, groups (wire types 3 and 4) are refused.
 *
 * Why not protobufjs: the scanners read a handful of fields (op types, tensor names, external
 * data locations) from messages that can be gigabytes long, because ONNX and TensorFlow store
 * tensors inline (`raw_data`, `tensor_content`). A generated decoder materialises every field
 * and copies those payloads; here a length-delimited field is an offset and a length, and
 * skipping it costs nothing. It also needs no .proto files at run time, and every read is
 * checked against the end of its message, so a lying length is a WireError, never a read past
 * the buffer or a huge allocation.
 *
 * The reader walks one message at a time and never recurses: schema walkers (onnx.ts,
 * savedModel.ts) decide which sub-messages to enter and bound their own depth
 * (MAX_MESSAGE_DEPTH). Groups are deprecated and neither ONNX nor TensorFlow uses them, so one
 * in these files means the bytes are not what they claim to be.
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;
export type WireType = typeof WIRE_VARINT | typeof WIRE_I64 | typeof WIRE_LEN | typeof WIRE_I32;

/** How deep schema walkers may follow sub-messages on attacker input. */
export const MAX_MESSAGE_DEPTH = 32;

/** Longest field header: a 5-byte tag plus a 10-byte varint (or 8 bytes of a fixed64). */
export const MAX_FIELD_HEADER = 15;

const MAX_FIELD_NUMBER = 2 ** 29 - 1;

export interface WireField {
  /** Field number, 1 .. 2^29 - 1. */
  readonly field: number;
  readonly wireType: WireType;
  /** Absolute offset of the tag. */
  readonly start: number;
  /** Absolute offset of the value; for a length-delimited field, of its payload. */
  readonly offset: number;
  /** Bytes of the value: the payload length, 8, 4, or the varint's own length. */
  readonly length: number;
  /** VARINT: the unsigned 64-bit value; I64 and I32: the little-endian bits; LEN: 0n. */
  readonly value: bigint;
}

/** Absolute offset just past a field. */
export function fieldEnd(field: WireField): number {
  return field.offset + field.length;
}

export class WireError extends Error {
  constructor(
    message: string,
    /** Absolute offset where decoding failed. */
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = "WireError";
  }
}

export interface Varint {
  value: bigint;
  /** Index just past the varint. */
  next: number;
}

/**
 * Decodes a varint at `index`, which must end before `limit` (indices into `bytes`). `base` is
 * the absolute offset of `bytes[0]`, for error messages only.
 */
export function readVarint(bytes: Uint8Array, index: number, limit: number, base = 0): Varint {
  const end = Math.min(limit, bytes.length);
  // Fast path: most varints (tags, lengths, small ints) fit in 28 bits.
  let small = 0;
  for (let i = 0; i < 4; i++) {
    if (index + i >= end) throw new WireError("truncated varint", base + index);
    const b = bytes[index + i]!;
    small |= (b & 0x7f) << (7 * i);
    if (b < 0x80) return { value: BigInt(small >>> 0), next: index + i + 1 };
  }
  let value = BigInt(small >>> 0);
  for (let i = 4; i < 10; i++) {
    if (index + i >= end) throw new WireError("truncated varint", base + index);
    const b = bytes[index + i]!;
    // The tenth byte carries bit 63 only; anything more is not a 64-bit varint.
    if (i === 9 && b > 1) throw new WireError("varint overflows 64 bits", base + index);
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) return { value, next: index + i + 1 };
  }
  throw new WireError("varint longer than 10 bytes", base + index);
}

function readFixed(bytes: Uint8Array, index: number, size: 4 | 8): bigint {
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[index + i]!);
  return value;
}

/**
 * Decodes the field whose tag is at absolute offset `pos`. `bytes[0]` is at absolute offset
 * `base`; the field must end by the absolute offset `end` (its message's end). The tag and the
 * length prefix must be inside `bytes`; a length-delimited payload need not be, so a caller
 * holding a window of a large source can skip the payload by offset.
 */
export function readField(bytes: Uint8Array, base: number, pos: number, end: number): WireField {
  const index = pos - base;
  if (index < 0 || pos >= end) throw new WireError("field outside its message", pos);
  const limit = Math.min(bytes.length, end - base);
  if (index >= limit) throw new WireError("field header outside the buffer", pos);
  const tag = readVarint(bytes, index, Math.min(limit, index + 5), base);
  if (tag.value > 0xffffffffn) throw new WireError("tag overflows 32 bits", pos);
  const tagValue = Number(tag.value);
  const field = Math.floor(tagValue / 8);
  const wireType = tagValue & 7;
  if (field < 1 || field > MAX_FIELD_NUMBER) throw new WireError(`invalid field ${field}`, pos);
  const valueIndex = tag.next;
  switch (wireType) {
    case WIRE_VARINT: {
      const v = readVarint(bytes, valueIndex, limit, base);
      return {
        field,
        wireType,
        start: pos,
        offset: base + valueIndex,
        length: v.next - valueIndex,
        value: v.value,
      };
    }
    case WIRE_I64:
    case WIRE_I32: {
      const size = wireType === WIRE_I64 ? 8 : 4;
      if (valueIndex + size > limit) throw new WireError("truncated fixed-width field", pos);
      return {
        field,
        wireType,
        start: pos,
        offset: base + valueIndex,
        length: size,
        value: readFixed(bytes, valueIndex, size),
      };
    }
    case WIRE_LEN: {
      const len = readVarint(bytes, valueIndex, limit, base);
      const payload = base + len.next;
      if (len.value > BigInt(end - payload)) {
        throw new WireError(`length ${len.value} runs past its message`, pos);
      }
      return {
        field,
        wireType,
        start: pos,
        offset: payload,
        length: Number(len.value),
        value: 0n,
      };
    }
    default:
      throw new WireError(`unsupported wire type ${wireType}`, pos);
  }
}

/**
 * The fields of an in-memory message occupying `[start, end)` of `bytes` (absolute offsets are
 * `base + index`). Throws WireError at the first malformed field.
 */
export function* fields(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
  base = 0,
): Generator<WireField> {
  if (start < 0 || end > bytes.length || start > end) {
    throw new WireError("message outside the buffer", base + start);
  }
  let pos = base + start;
  const stop = base + end;
  while (pos < stop) {
    const field = readField(bytes, base, pos, stop);
    yield field;
    pos = fieldEnd(field);
  }
}

/** The varints of a packed repeated field's payload, `bytes[start, end)`. */
export function* packedVarints(bytes: Uint8Array, start: number, end: number): Generator<bigint> {
  let index = start;
  while (index < end) {
    const v = readVarint(bytes, index, end);
    yield v.value;
    index = v.next;
  }
}

/** Two's-complement reading of an int64 field (negative int64s are 10-byte varints). */
export function asInt64(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

/** The value as a number when it is exactly representable, else undefined. */
export function toSafeNumber(value: bigint): number | undefined {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : undefined;
}

const utf8 = new TextDecoder("utf-8");

/** Decodes a string field; invalid UTF-8 becomes U+FFFD rather than an error. */
export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}
