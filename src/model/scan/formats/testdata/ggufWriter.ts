/**
 * Writes GGUF bytes (ggml docs/gguf.md) for the gguf scanner tests, including versions 1 and
 * big-endian files, and headers whose counts or lengths lie. Test support only.
 */

export type GgufValue =
  | { kind: "u8" | "u32" | "i32" | "f32"; value: number }
  | { kind: "bool"; value: boolean }
  | { kind: "u64"; value: bigint }
  | { kind: "string"; value: string }
  | { kind: "array"; element: number; items: readonly GgufValue[] }
  /** A value type code and bytes written as they are (invalid types, lying lengths). */
  | { kind: "raw"; type: number; bytes: Uint8Array };

export interface GgufTensor {
  name: string;
  dims: readonly (number | bigint)[];
  /** ggml type; F32 (0) by default. */
  type?: number;
  offset: number | bigint;
}

export interface GgufSpec {
  version?: number;
  littleEndian?: boolean;
  kvs?: readonly [string, GgufValue][];
  tensors?: readonly GgufTensor[];
  /** Bytes after the aligned end of the tensor infos. */
  dataLength?: number;
  alignment?: number;
  tensorCount?: bigint;
  kvCount?: bigint;
}

const TYPE_CODES = {
  u8: 0,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
} as const;

class Bytes {
  private readonly parts: Uint8Array[] = [];
  length = 0;
  constructor(
    private readonly little: boolean,
    private readonly wide: boolean,
  ) {}
  push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.length += bytes.length;
  }
  private num(size: number, set: (v: DataView) => void): void {
    const b = new Uint8Array(size);
    set(new DataView(b.buffer));
    this.push(b);
  }
  u8(v: number): void {
    this.num(1, (d) => d.setUint8(0, v));
  }
  u32(v: number): void {
    this.num(4, (d) => d.setUint32(0, v, this.little));
  }
  i32(v: number): void {
    this.num(4, (d) => d.setInt32(0, v, this.little));
  }
  f32(v: number): void {
    this.num(4, (d) => d.setFloat32(0, v, this.little));
  }
  u64(v: bigint): void {
    this.num(8, (d) => d.setBigUint64(0, BigInt.asUintN(64, v), this.little));
  }
  /** A count or length: uint32 in version 1, uint64 after. */
  len(v: bigint | number): void {
    if (this.wide) this.u64(BigInt(v));
    else this.u32(Number(v));
  }
  str(s: string): void {
    const b = new TextEncoder().encode(s);
    this.len(b.length);
    this.push(b);
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function typeOf(value: GgufValue): number {
  return value.kind === "raw" ? value.type : TYPE_CODES[value.kind];
}

function writeValue(out: Bytes, value: GgufValue): void {
  switch (value.kind) {
    case "u8":
      out.u8(value.value);
      break;
    case "bool":
      out.u8(value.value ? 1 : 0);
      break;
    case "u32":
      out.u32(value.value);
      break;
    case "i32":
      out.i32(value.value);
      break;
    case "f32":
      out.f32(value.value);
      break;
    case "u64":
      out.u64(value.value);
      break;
    case "string":
      out.str(value.value);
      break;
    case "array":
      out.u32(value.element);
      out.len(value.items.length);
      for (const item of value.items) writeValue(out, item);
      break;
    case "raw":
      out.push(value.bytes);
      break;
  }
}

export const str = (value: string): GgufValue => ({ kind: "string", value });
export const u32 = (value: number): GgufValue => ({ kind: "u32", value });

export function ggufFile(spec: GgufSpec): Uint8Array {
  const version = spec.version ?? 3;
  const little = spec.littleEndian ?? true;
  const out = new Bytes(little, version !== 1);
  out.push(new TextEncoder().encode("GGUF"));
  out.u32(version);
  const kvs = spec.kvs ?? [];
  const tensors = spec.tensors ?? [];
  out.len(spec.tensorCount ?? BigInt(tensors.length));
  out.len(spec.kvCount ?? BigInt(kvs.length));
  for (const [key, value] of kvs) {
    out.str(key);
    out.u32(typeOf(value));
    writeValue(out, value);
  }
  for (const t of tensors) {
    out.str(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.len(d);
    out.u32(t.type ?? 0);
    out.u64(BigInt(t.offset));
  }
  const alignment = spec.alignment ?? 32;
  out.push(new Uint8Array((alignment - (out.length % alignment)) % alignment));
  out.push(new Uint8Array(spec.dataLength ?? 0));
  return out.finish();
}

/** A well-formed model: two F32 tensors laid out one after the other, padded to 32 bytes. */
export function benignSpec(template?: string): GgufSpec {
  return {
    kvs: [
      ["general.architecture", str("llama")],
      ["general.alignment", u32(32)],
      [
        "tokenizer.ggml.tokens",
        { kind: "array", element: 8, items: [str("<s>"), str("</s>"), str("hi")] },
      ],
      [
        "tokenizer.ggml.scores",
        {
          kind: "array",
          element: 6,
          items: [0, -1, -2].map((value) => ({ kind: "f32", value }) as GgufValue),
        },
      ],
      ...(template === undefined
        ? []
        : ([["tokenizer.chat_template", str(template)]] as [string, GgufValue][])),
    ],
    tensors: [
      { name: "a", dims: [4, 2], offset: 0 },
      { name: "b", dims: [8], offset: 32 },
    ],
    dataLength: 64,
  };
}
