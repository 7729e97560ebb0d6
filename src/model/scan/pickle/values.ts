/**
 * The symbolic values of the pickle VM (vm.ts). Nothing here is ever a live Python object:
 * a `GlobalValue` names what `find_class` would import, a `CallValue` stands for what a
 * REDUCE/NEWOBJ/INST/OBJ would return. Constants the analysis never reads are kept compact:
 * small ints are JS numbers, floats and big ints are shared markers, so a million-element
 * list of numbers allocates no per-element object.
 *
 * Containers keep at most `maxContainerItems` items (their `size` counts all of them): the
 * analysis only reads short argument tuples, and a capped container bounds memory.
 */

/** Python None is `null`, bools are JS booleans, ints that fit a double exactly are numbers. */
export type Value =
  | null
  | boolean
  | number
  | string
  | Marker
  | BytesValue
  | StrRef
  | Container
  | GlobalValue
  | CallValue
  | UnresolvedValue
  | PersistentValue;

/** A constant whose value is never needed: a float, an int too large for a double, a buffer. */
export interface Marker {
  readonly kind: "float" | "bigint" | "buffer";
}

export const FLOAT: Marker = Object.freeze({ kind: "float" });
export const BIGINT: Marker = Object.freeze({ kind: "bigint" });
export const BUFFER: Marker = Object.freeze({ kind: "buffer" });

/** bytes or bytearray: a view into the scanned input, never a copy. */
export interface BytesValue {
  readonly kind: "bytes";
  readonly data: Uint8Array;
  readonly offset: number;
  readonly bytearray: boolean;
}

/** A str too long to be worth decoding (a module name never is): its raw UTF-8 or latin-1. */
export interface StrRef {
  readonly kind: "strref";
  readonly data: Uint8Array;
  readonly offset: number;
}

export type ContainerKind = "list" | "tuple" | "dict" | "set" | "frozenset";

export interface Container {
  readonly kind: ContainerKind;
  /** The first items (for a dict: key, value, key, value …), capped. */
  readonly items: Value[];
  /** Number of items (pairs count twice for a dict), including those not kept. */
  size: number;
  readonly offset: number;
}

/** What GLOBAL / STACK_GLOBAL / INST would import, after Python 3's name fixes. */
export interface GlobalValue {
  readonly kind: "global";
  readonly module: string;
  readonly name: string;
  /** `module.name`: the key the policy and the analysis use. */
  readonly path: string;
  readonly offset: number;
  readonly opcode: number;
}

/** The result of a call the loader would make. */
export interface CallValue {
  readonly kind: "call";
  readonly callee: Value;
  readonly args: Value;
  readonly offset: number;
  readonly opcode: number;
  /** Dotted path of the object the call returns, when it is a known lookup (getattr …). */
  readonly returns?: string;
  /** A callable object with known behaviour when it is itself called (partial, attrgetter …). */
  readonly special?: Special;
}

export type Special =
  | { readonly kind: "partial"; readonly target: string | undefined }
  | { readonly kind: "attrgetter"; readonly attrs: readonly string[] }
  | { readonly kind: "methodcaller"; readonly method: string | undefined };

/** A global whose module or name is not a constant string, or an extension-registry code. */
export interface UnresolvedValue {
  readonly kind: "unresolved";
  readonly offset: number;
  readonly opcode: number;
  readonly reason: string;
  /** How many times the loader would call it. */
  calls: number;
}

/** What `persistent_load(pid)` would return (PyTorch storages and module classes). */
export interface PersistentValue {
  readonly kind: "persistent";
  readonly pid: Value;
  readonly offset: number;
}

export function isContainer(value: Value | undefined): value is Container {
  if (value === undefined || value === null || typeof value !== "object") return false;
  const kind = value.kind;
  return (
    kind === "list" || kind === "tuple" || kind === "dict" || kind === "set" || kind === "frozenset"
  );
}

/** A constant str, whether decoded or kept raw. */
export function constantString(
  value: Value,
  latin1: (bytes: Uint8Array) => string,
): string | undefined {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object" && value.kind === "strref")
    return latin1(value.data);
  return undefined;
}

/**
 * One line describing a value for titles and evidence. Depth-limited and iterative over
 * container items, so an attacker-shaped value cannot make it recurse or run long.
 */
export function describe(value: Value, depth = 2): string {
  if (value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(clip(value, 80));
  switch (value.kind) {
    case "float":
      return "<float>";
    case "bigint":
      return "<int>";
    case "buffer":
      return "<out-of-band buffer>";
    case "bytes":
      return `<${value.bytearray ? "bytearray" : "bytes"} of ${value.data.length}>`;
    case "strref":
      return `<str of ${value.data.length} bytes>`;
    case "global":
      return value.path;
    case "unresolved":
      return `<unresolved global: ${value.reason}>`;
    case "persistent":
      return `<persistent ${depth > 0 ? describe(value.pid, depth - 1) : "…"}>`;
    case "call": {
      const callee = depth > 0 ? describe(value.callee, depth - 1) : "…";
      return `${callee}(${depth > 0 ? describeItems(value.args, depth - 1) : "…"})`;
    }
    default:
      return `${value.kind}(${depth > 0 ? describeItems(value, depth - 1) : "…"})`;
  }
}

function describeItems(value: Value, depth: number): string {
  if (!isContainer(value)) return describe(value, depth);
  const shown = value.items.slice(0, 4).map((item) => describe(item, depth));
  if (value.size > shown.length) shown.push(`… ${value.size} items`);
  return shown.join(", ");
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
