import { Buffer } from "node:buffer";
import { ARG_KINDS, type ArgKind, OPCODES, type OpcodeInfo } from "../opcodes.js";

/**
 * A tiny pickle assembler for tests: one instruction per opcode, arguments encoded from the
 * opcode table's argument kinds (Lib/pickletools.py), so every hand-built exploit in the
 * tests reads like a pickletools.dis listing:
 *
 *   assemble([["PROTO", 2], ["GLOBAL", "os", "system"], ["SHORT_BINUNICODE", "id"],
 *             ["TUPLE1"], ["REDUCE"], ["STOP"]])
 *
 * `["RAW", bytes]` inserts bytes verbatim (broken streams, bad frames).
 */

export type Arg = number | bigint | string | boolean | Uint8Array;
export type Instruction = readonly [string, ...Arg[]];

const BY_NAME = new Map<string, OpcodeInfo>(OPCODES.map((op) => [op.name, op]));

export function assemble(program: readonly Instruction[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (const [name, ...args] of program) {
    if (name === "RAW") {
      for (const arg of args) chunks.push(toBytes(arg, "latin1"));
      continue;
    }
    const info = BY_NAME.get(name);
    if (info === undefined) throw new Error(`unknown opcode ${name}`);
    chunks.push(Uint8Array.of(info.code));
    if (info.arg !== null) chunks.push(encodeArg(info.arg, args, name));
  }
  return Buffer.concat(chunks);
}

/** Concatenates byte arrays (stacked pickles, trailing data). */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

function encodeArg(kind: ArgKind, args: Arg[], name: string): Uint8Array {
  const [a, b] = args;
  if (a === undefined) throw new Error(`${name} needs an argument (${ARG_KINDS[kind].doc})`);
  switch (kind) {
    case "uint1":
      return Uint8Array.of(Number(a));
    case "uint2":
      return le(Number(a), 2);
    case "int4":
    case "uint4":
      return le(Number(a), 4);
    case "uint8":
      return le(Number(a), 8);
    case "decimalnl_short":
      return text(typeof a === "boolean" ? (a ? "01\n" : "00\n") : `${a}\n`);
    case "decimalnl_long":
      return text(`${a}L\n`);
    case "floatnl":
      return text(`${a}\n`);
    case "float8": {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setFloat64(0, Number(a), false);
      return out;
    }
    case "stringnl":
      return text(`'${pyEscape(String(a))}'\n`);
    case "stringnl_noescape":
      return text(`${a}\n`);
    case "stringnl_noescape_pair":
      return text(`${a}\n${b ?? ""}\n`);
    case "unicodestringnl":
      return text(`${rawUnicodeEscape(String(a))}\n`);
    case "string1":
    case "bytes1":
      return sized(toBytes(a, "latin1"), 1);
    case "unicodestring1":
      return sized(toBytes(a, "utf8"), 1);
    case "string4":
    case "bytes4":
      return sized(toBytes(a, "latin1"), 4);
    case "unicodestring4":
      return sized(toBytes(a, "utf8"), 4);
    case "bytes8":
    case "bytearray8":
      return sized(toBytes(a, "latin1"), 8);
    case "unicodestring8":
      return sized(toBytes(a, "utf8"), 8);
    case "long1":
      return sized(twosComplement(BigInt(a as number | bigint)), 1);
    case "long4":
      return sized(twosComplement(BigInt(a as number | bigint)), 4);
  }
}

function toBytes(value: Arg, encoding: "latin1" | "utf8"): Uint8Array {
  if (value instanceof Uint8Array) return value;
  return Buffer.from(String(value), encoding);
}

function text(value: string): Uint8Array {
  return Buffer.from(value, "latin1");
}

function le(value: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let v = BigInt.asUintN(size * 8, BigInt(value));
  for (let i = 0; i < size; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function sized(data: Uint8Array, lengthBytes: number): Uint8Array {
  return Buffer.concat([le(data.length, lengthBytes), data]);
}

function twosComplement(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array(0);
  const bytes: number[] = [];
  let v = value;
  for (;;) {
    bytes.push(Number(v & 0xffn));
    v >>= 8n;
    const sign = bytes[bytes.length - 1]! & 0x80;
    if ((v === 0n && sign === 0) || (v === -1n && sign !== 0)) break;
  }
  return Uint8Array.from(bytes);
}

function pyEscape(value: string): string {
  let out = "";
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    if (ch === "\\" || ch === "'") out += `\\${ch}`;
    else if (code < 0x20 || code > 0x7e) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out;
}

function rawUnicodeEscape(value: string): string {
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code > 0xff)
      out +=
        code > 0xffff
          ? `\\U${code.toString(16).padStart(8, "0")}`
          : `\\u${code.toString(16).padStart(4, "0")}`;
    else if (ch === "\\" || ch === "\n") out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out;
}
