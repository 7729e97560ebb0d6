/**
 * The pickle opcode table for protocols 0–5, transcribed from CPython's Lib/pickletools.py
 * (`opcodes`, `ArgumentDescriptor`s and stack effects) and checked against Lib/pickle.py's
 * loader; protocol 2 opcodes from PEP 307, protocol 4 (FRAME, STACK_GLOBAL, MEMOIZE,
 * NEWOBJ_EX, sets, 8-byte sizes) from PEP 3154, protocol 5 (BYTEARRAY8, NEXT_BUFFER,
 * READONLY_BUFFER) from PEP 574. 68 opcodes, 24 argument kinds.
 *
 * The VM dispatches on the numeric code directly; this table is what the disassembler, the
 * test assembler and the protocol-anomaly check read.
 */

/** How an opcode's inline argument is encoded (pickletools' ArgumentDescriptor names). */
export type ArgKind =
  | "uint1"
  | "uint2"
  | "int4"
  | "uint4"
  | "uint8"
  | "decimalnl_short"
  | "decimalnl_long"
  | "stringnl"
  | "stringnl_noescape"
  | "stringnl_noescape_pair"
  | "string1"
  | "string4"
  | "bytes1"
  | "bytes4"
  | "bytes8"
  | "bytearray8"
  | "unicodestringnl"
  | "unicodestring1"
  | "unicodestring4"
  | "unicodestring8"
  | "floatnl"
  | "float8"
  | "long1"
  | "long4";

/** Stack slot kinds as pickletools names them (`stackslice` is everything above a MARK). */
export type StackKind =
  | "any"
  | "int"
  | "int_or_bool"
  | "bool"
  | "float"
  | "bytes"
  | "bytearray"
  | "bytes_or_str"
  | "str"
  | "buffer"
  | "None"
  | "list"
  | "tuple"
  | "dict"
  | "set"
  | "frozenset"
  | "mark"
  | "stackslice";

export interface OpcodeInfo {
  readonly name: string;
  /** The opcode byte. */
  readonly code: number;
  /** Inline argument, or null when the opcode takes none. */
  readonly arg: ArgKind | null;
  /** First protocol that emits it. Loaders accept every opcode in every protocol. */
  readonly proto: number;
  readonly before: readonly StackKind[];
  readonly after: readonly StackKind[];
}

export interface ArgInfo {
  /**
   * Fixed byte size, or for length-prefixed kinds the size of the length prefix as a negative
   * number (-1, -4, -8), or 0 for newline-terminated text.
   */
  readonly size: number;
  readonly doc: string;
}

export const ARG_KINDS: Readonly<Record<ArgKind, ArgInfo>> = {
  uint1: { size: 1, doc: "one-byte unsigned integer" },
  uint2: { size: 2, doc: "two-byte little-endian unsigned integer" },
  int4: { size: 4, doc: "four-byte little-endian signed integer" },
  uint4: { size: 4, doc: "four-byte little-endian unsigned integer" },
  uint8: { size: 8, doc: "eight-byte little-endian unsigned integer" },
  decimalnl_short: { size: 0, doc: "decimal integer (or 00/01 for bools) ending in newline" },
  decimalnl_long: { size: 0, doc: "decimal integer with optional trailing L, ending in newline" },
  stringnl: { size: 0, doc: "Python repr of a string, quoted, ending in newline" },
  stringnl_noescape: { size: 0, doc: "raw text ending in newline" },
  stringnl_noescape_pair: { size: 0, doc: "two newline-terminated raw texts (module, name)" },
  string1: { size: -1, doc: "one-byte length, then bytes" },
  string4: { size: -4, doc: "four-byte signed length, then bytes" },
  bytes1: { size: -1, doc: "one-byte length, then bytes" },
  bytes4: { size: -4, doc: "four-byte unsigned length, then bytes" },
  bytes8: { size: -8, doc: "eight-byte unsigned length, then bytes" },
  bytearray8: { size: -8, doc: "eight-byte unsigned length, then bytes (a bytearray)" },
  unicodestringnl: { size: 0, doc: "raw-unicode-escape text ending in newline" },
  unicodestring1: { size: -1, doc: "one-byte length, then UTF-8" },
  unicodestring4: { size: -4, doc: "four-byte unsigned length, then UTF-8" },
  unicodestring8: { size: -8, doc: "eight-byte unsigned length, then UTF-8" },
  floatnl: { size: 0, doc: "repr of a float ending in newline" },
  float8: { size: 8, doc: "eight-byte big-endian IEEE 754 double" },
  long1: { size: -1, doc: "one-byte length, then little-endian two's complement integer" },
  long4: { size: -4, doc: "four-byte signed length, then little-endian two's complement" },
};

function op(
  name: string,
  code: string,
  arg: ArgKind | null,
  proto: number,
  before: readonly StackKind[],
  after: readonly StackKind[],
): OpcodeInfo {
  return { name, code: code.charCodeAt(0), arg, proto, before, after };
}

/** Every opcode of pickletools.opcodes, in its order. */
export const OPCODES: readonly OpcodeInfo[] = [
  // Integers
  op("INT", "I", "decimalnl_short", 0, [], ["int_or_bool"]),
  op("BININT", "J", "int4", 1, [], ["int"]),
  op("BININT1", "K", "uint1", 1, [], ["int"]),
  op("BININT2", "M", "uint2", 1, [], ["int"]),
  op("LONG", "L", "decimalnl_long", 0, [], ["int"]),
  op("LONG1", "\x8a", "long1", 2, [], ["int"]),
  op("LONG4", "\x8b", "long4", 2, [], ["int"]),
  // Strings and bytes
  op("STRING", "S", "stringnl", 0, [], ["bytes_or_str"]),
  op("BINSTRING", "T", "string4", 1, [], ["bytes_or_str"]),
  op("SHORT_BINSTRING", "U", "string1", 1, [], ["bytes_or_str"]),
  op("BINBYTES", "B", "bytes4", 3, [], ["bytes"]),
  op("SHORT_BINBYTES", "C", "bytes1", 3, [], ["bytes"]),
  op("BINBYTES8", "\x8e", "bytes8", 4, [], ["bytes"]),
  op("BYTEARRAY8", "\x96", "bytearray8", 5, [], ["bytearray"]),
  op("NEXT_BUFFER", "\x97", null, 5, [], ["buffer"]),
  op("READONLY_BUFFER", "\x98", null, 5, ["buffer"], ["buffer"]),
  // Singletons
  op("NONE", "N", null, 0, [], ["None"]),
  op("NEWTRUE", "\x88", null, 2, [], ["bool"]),
  op("NEWFALSE", "\x89", null, 2, [], ["bool"]),
  // Text
  op("UNICODE", "V", "unicodestringnl", 0, [], ["str"]),
  op("SHORT_BINUNICODE", "\x8c", "unicodestring1", 4, [], ["str"]),
  op("BINUNICODE", "X", "unicodestring4", 1, [], ["str"]),
  op("BINUNICODE8", "\x8d", "unicodestring8", 4, [], ["str"]),
  // Floats
  op("FLOAT", "F", "floatnl", 0, [], ["float"]),
  op("BINFLOAT", "G", "float8", 1, [], ["float"]),
  // Lists
  op("EMPTY_LIST", "]", null, 1, [], ["list"]),
  op("APPEND", "a", null, 0, ["list", "any"], ["list"]),
  op("APPENDS", "e", null, 1, ["list", "mark", "stackslice"], ["list"]),
  op("LIST", "l", null, 0, ["mark", "stackslice"], ["list"]),
  // Tuples
  op("EMPTY_TUPLE", ")", null, 1, [], ["tuple"]),
  op("TUPLE", "t", null, 0, ["mark", "stackslice"], ["tuple"]),
  op("TUPLE1", "\x85", null, 2, ["any"], ["tuple"]),
  op("TUPLE2", "\x86", null, 2, ["any", "any"], ["tuple"]),
  op("TUPLE3", "\x87", null, 2, ["any", "any", "any"], ["tuple"]),
  // Dicts
  op("EMPTY_DICT", "}", null, 1, [], ["dict"]),
  op("DICT", "d", null, 0, ["mark", "stackslice"], ["dict"]),
  op("SETITEM", "s", null, 0, ["dict", "any", "any"], ["dict"]),
  op("SETITEMS", "u", null, 1, ["dict", "mark", "stackslice"], ["dict"]),
  // Sets
  op("EMPTY_SET", "\x8f", null, 4, [], ["set"]),
  op("ADDITEMS", "\x90", null, 4, ["set", "mark", "stackslice"], ["set"]),
  op("FROZENSET", "\x91", null, 4, ["mark", "stackslice"], ["frozenset"]),
  // Stack manipulation
  op("POP", "0", null, 0, ["any"], []),
  op("DUP", "2", null, 0, ["any"], ["any", "any"]),
  op("MARK", "(", null, 0, [], ["mark"]),
  op("POP_MARK", "1", null, 1, ["mark", "stackslice"], []),
  // Memo
  op("GET", "g", "decimalnl_short", 0, [], ["any"]),
  op("BINGET", "h", "uint1", 1, [], ["any"]),
  op("LONG_BINGET", "j", "uint4", 1, [], ["any"]),
  op("PUT", "p", "decimalnl_short", 0, [], []),
  op("BINPUT", "q", "uint1", 1, [], []),
  op("LONG_BINPUT", "r", "uint4", 1, [], []),
  op("MEMOIZE", "\x94", null, 4, ["any"], ["any"]),
  // Extension registry
  op("EXT1", "\x82", "uint1", 2, [], ["any"]),
  op("EXT2", "\x83", "uint2", 2, [], ["any"]),
  op("EXT4", "\x84", "int4", 2, [], ["any"]),
  // Imports, calls and object building
  op("GLOBAL", "c", "stringnl_noescape_pair", 0, [], ["any"]),
  op("STACK_GLOBAL", "\x93", null, 4, ["str", "str"], ["any"]),
  op("REDUCE", "R", null, 0, ["any", "any"], ["any"]),
  op("BUILD", "b", null, 0, ["any", "any"], ["any"]),
  op("INST", "i", "stringnl_noescape_pair", 0, ["mark", "stackslice"], ["any"]),
  op("OBJ", "o", null, 1, ["mark", "any", "stackslice"], ["any"]),
  op("NEWOBJ", "\x81", null, 2, ["any", "any"], ["any"]),
  op("NEWOBJ_EX", "\x92", null, 4, ["any", "any", "any"], ["any"]),
  // Machine control
  op("PROTO", "\x80", "uint1", 2, [], []),
  op("STOP", ".", null, 0, ["any"], []),
  op("FRAME", "\x95", "uint8", 4, [], []),
  // Persistent ids
  op("PERSID", "P", "stringnl_noescape", 0, [], ["any"]),
  op("BINPERSID", "Q", null, 1, ["any"], ["any"]),
];

/** Opcode info by byte; undefined for bytes that are not opcodes. */
export const OPCODE_BY_CODE: readonly (OpcodeInfo | undefined)[] = (() => {
  const table: (OpcodeInfo | undefined)[] = new Array(256).fill(undefined);
  for (const info of OPCODES) table[info.code] = info;
  return table;
})();

/** First protocol of each opcode byte (255 for non-opcodes), for the VM's hot loop. */
export const OPCODE_PROTO: Uint8Array = (() => {
  const table = new Uint8Array(256).fill(255);
  for (const info of OPCODES) table[info.code] = info.proto;
  return table;
})();

export function opcodeName(code: number): string {
  return OPCODE_BY_CODE[code]?.name ?? `0x${code.toString(16).padStart(2, "0")}`;
}

/** The highest protocol CPython's loader accepts (pickle.HIGHEST_PROTOCOL). */
export const HIGHEST_PROTOCOL = 5;

/** Named codes for the VM's switch, so the dispatch reads like pickletools. */
export const Op = {
  MARK: 0x28,
  STOP: 0x2e,
  POP: 0x30,
  POP_MARK: 0x31,
  DUP: 0x32,
  FLOAT: 0x46,
  INT: 0x49,
  BININT: 0x4a,
  BININT1: 0x4b,
  LONG: 0x4c,
  BININT2: 0x4d,
  NONE: 0x4e,
  PERSID: 0x50,
  BINPERSID: 0x51,
  REDUCE: 0x52,
  STRING: 0x53,
  BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55,
  UNICODE: 0x56,
  BINUNICODE: 0x58,
  APPEND: 0x61,
  BUILD: 0x62,
  GLOBAL: 0x63,
  DICT: 0x64,
  EMPTY_DICT: 0x7d,
  APPENDS: 0x65,
  GET: 0x67,
  BINGET: 0x68,
  INST: 0x69,
  LONG_BINGET: 0x6a,
  LIST: 0x6c,
  EMPTY_LIST: 0x5d,
  OBJ: 0x6f,
  PUT: 0x70,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  SETITEM: 0x73,
  TUPLE: 0x74,
  EMPTY_TUPLE: 0x29,
  SETITEMS: 0x75,
  BINFLOAT: 0x47,
  BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43,
  PROTO: 0x80,
  NEWOBJ: 0x81,
  EXT1: 0x82,
  EXT2: 0x83,
  EXT4: 0x84,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  NEWOBJ_EX: 0x92,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
  BYTEARRAY8: 0x96,
  NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const;
