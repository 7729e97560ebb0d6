/**
 * A protobuf wire-format writer for building ONNX and SavedModel test inputs by hand, including
 * the malformed ones a real serializer refuses to produce. Test support only.
 */

export type ProtoValue =
  | { kind: "varint"; value: bigint }
  | { kind: "bytes"; value: Uint8Array }
  | { kind: "fixed32"; value: number }
  | { kind: "fixed64"; value: bigint };

export function encodeVarint(value: bigint | number): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const utf8 = new TextEncoder();

export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];

  private tag(field: number, wireType: number): void {
    this.parts.push(encodeVarint(field * 8 + wireType));
  }

  varint(field: number, value: bigint | number | boolean): this {
    this.tag(field, 0);
    this.parts.push(encodeVarint(typeof value === "boolean" ? (value ? 1 : 0) : value));
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.parts.push(encodeVarint(value.length), value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  message(field: number, value: ProtoWriter | Uint8Array): this {
    return this.bytes(field, value instanceof ProtoWriter ? value.finish() : value);
  }

  packed(field: number, values: readonly (bigint | number)[]): this {
    return this.bytes(field, concat(values.map((v) => encodeVarint(v))));
  }

  fixed32(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    this.parts.push(b);
    return this;
  }

  fixed64(field: number, value: bigint): this {
    this.tag(field, 1);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    this.parts.push(b);
    return this;
  }

  /** Appends bytes verbatim (a hand-made malformed field). */
  raw(bytes: Uint8Array): this {
    this.parts.push(bytes);
    return this;
  }

  finish(): Uint8Array {
    return concat(this.parts);
  }
}

export function proto(): ProtoWriter {
  return new ProtoWriter();
}
