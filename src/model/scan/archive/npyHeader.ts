import { type PyLiteral, parsePyLiteral } from "./pyLiteral.js";

/**
 * The .npy header, after numpy's NEP 1 (doc/neps/nep-0001-npy-format.rst) and
 * numpy/lib/format.py: magic `\x93NUMPY`, major and minor version bytes, a little-endian header
 * length (2 bytes in version 1.0, 4 bytes in 2.0 and 3.0), then the header — latin-1 (UTF-8 in
 * 3.0), a dict literal with exactly `descr`, `fortran_order` and `shape`, padded with spaces
 * and a newline so the data starts aligned (64 bytes since numpy 1.14, 16 before). numpy
 * refuses headers over 10 000 characters unless allow_pickle=True.
 */

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] as const;
export const NUMPY_MAX_HEADER = 10_000;

export type NpyProblem =
  | { kind: "version"; major: number; minor: number }
  | { kind: "truncated" }
  | { kind: "syntax"; message: string }
  | { kind: "keys"; keys: string[] }
  | { kind: "value"; key: string; message: string };

export interface NpyHeader {
  major: number;
  minor: number;
  headerLength: number;
  /** Offset of the array data. */
  dataOffset: number;
  /** The header text as numpy decodes it. */
  text: string;
  descr: PyLiteral | undefined;
  fortranOrder: boolean | undefined;
  shape: bigint[] | undefined;
  problems: NpyProblem[];
}

export function hasNpyMagic(head: Uint8Array): boolean {
  return head.length >= 8 && NPY_MAGIC.every((byte, i) => head[i] === byte);
}

/** How many header bytes the prelude needs before the length is known. */
export function npyPreludeLength(major: number): number {
  return major === 1 ? 10 : 12;
}

/** Parses the header from bytes holding at least the prelude and the header. */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  const major = bytes[6] ?? 0;
  const minor = bytes[7] ?? 0;
  const problems: NpyProblem[] = [];
  const header: NpyHeader = {
    major,
    minor,
    headerLength: 0,
    dataOffset: 0,
    text: "",
    descr: undefined,
    fortranOrder: undefined,
    shape: undefined,
    problems,
  };
  if (![1, 2, 3].includes(major) || minor !== 0) {
    problems.push({ kind: "version", major, minor });
    return header;
  }
  const prelude = npyPreludeLength(major);
  if (bytes.length < prelude) {
    problems.push({ kind: "truncated" });
    return header;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  header.headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  header.dataOffset = prelude + header.headerLength;
  if (bytes.length < header.dataOffset) {
    problems.push({ kind: "truncated" });
    return header;
  }
  const raw = bytes.subarray(prelude, header.dataOffset);
  header.text = major === 3 ? new TextDecoder().decode(raw) : latin1(raw);
  let literal: PyLiteral;
  try {
    literal = parsePyLiteral(header.text);
  } catch (error) {
    problems.push({
      kind: "syntax",
      message: error instanceof Error ? error.message : String(error),
    });
    return header;
  }
  if (literal.type !== "dict") {
    problems.push({ kind: "syntax", message: "header is not a dict" });
    return header;
  }
  const keys: string[] = [];
  for (const [key, value] of literal.entries) {
    if (key.type !== "str") {
      problems.push({ kind: "keys", keys: ["<non-string key>"] });
      continue;
    }
    keys.push(key.value);
    if (key.value === "descr") header.descr = value;
    else if (key.value === "fortran_order") {
      if (value.type === "bool") header.fortranOrder = value.value;
      else problems.push({ kind: "value", key: "fortran_order", message: "not a bool" });
    } else if (key.value === "shape") {
      if (value.type === "tuple" && value.items.every((d) => d.type === "int")) {
        header.shape = value.items.map((d) => (d as { value: bigint }).value);
      } else problems.push({ kind: "value", key: "shape", message: "not a tuple of ints" });
    }
  }
  const expected = ["descr", "fortran_order", "shape"];
  if (keys.length !== 3 || !expected.every((k) => keys.includes(k))) {
    problems.push({ kind: "keys", keys });
  }
  return header;
}

export interface DtypeSize {
  /** Bytes per element; undefined when the descr cannot be sized. */
  itemsize: number | undefined;
  /** Object fields anywhere: the payload is a pickle. */
  hasObject: boolean;
}

/**
 * Sizes a descr as numpy.lib.format.descr_to_dtype reads it: a typestr (`<f8`, `|O`, `<U10`,
 * `<M8[ns]`) or a list of `(name, descr[, shape])` fields for a structured dtype.
 */
export function describeDescr(descr: PyLiteral | undefined, depth = 0): DtypeSize {
  if (descr === undefined || depth > 16) return { itemsize: undefined, hasObject: false };
  if (descr.type === "str") return describeTypestr(descr.value);
  if (descr.type !== "list") return { itemsize: undefined, hasObject: false };
  let total: number | undefined = 0;
  let hasObject = false;
  for (const field of descr.items) {
    if ((field.type !== "tuple" && field.type !== "list") || field.items.length < 2) {
      return { itemsize: undefined, hasObject };
    }
    const inner = describeDescr(field.items[1], depth + 1);
    hasObject ||= inner.hasObject;
    let count = 1;
    const shape = field.items[2];
    if (shape?.type === "tuple") {
      for (const d of shape.items) count *= d.type === "int" ? Number(d.value) : Number.NaN;
    } else if (shape?.type === "int") {
      count = Number(shape.value);
    }
    total =
      total === undefined || inner.itemsize === undefined
        ? undefined
        : total + inner.itemsize * count;
    if (total !== undefined && !Number.isFinite(total)) total = undefined;
  }
  return { itemsize: total, hasObject };
}

function describeTypestr(typestr: string): DtypeSize {
  const match = /^([<>|=]?)([?bBhHiIlLqQefdgFDGSUVOMmacu])(\d*)(\[[A-Za-z0-9]+\])?$/.exec(typestr);
  if (match === null) return { itemsize: undefined, hasObject: false };
  const kind = match[2]!;
  const digits = match[3] ? Number(match[3]) : undefined;
  if (kind === "O") return { itemsize: 8, hasObject: true };
  const fixed: Record<string, number> = {
    "?": 1,
    b: 1,
    B: 1,
    h: 2,
    H: 2,
    i: 4,
    I: 4,
    l: 8,
    L: 8,
    q: 8,
    Q: 8,
    e: 2,
    f: 4,
    d: 8,
    g: 16,
    F: 8,
    D: 16,
    G: 32,
  };
  if (kind === "U") return { itemsize: (digits ?? 0) * 4, hasObject: false };
  if (digits !== undefined) return { itemsize: digits, hasObject: false };
  return { itemsize: fixed[kind], hasObject: false };
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}
