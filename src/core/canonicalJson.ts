/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): one byte sequence per JSON value, so that
 * hashes and signatures over ledger entries are reproducible on any machine.
 *
 * Fail-closed by design: anything JSON.stringify would silently drop, coerce or call
 * (undefined, NaN, Date#toJSON, Map -> {}, bigint) is an error naming the JSON path, because a
 * value that does not survive a round trip cannot be verified later.
 *
 * This sits on the ledger's append hot path, so it walks the value once, builds no
 * intermediate objects, and only formats a path when it is about to throw.
 */

import { RampartError } from "./errors.js";

/** Deeper than this is refused rather than risking a stack overflow (an internal error). */
export const MAX_CANONICAL_DEPTH = 1000;

type PathSegment = string | number;

interface WalkState {
  /** Keys and indexes from the root to the value being serialized. */
  readonly path: PathSegment[];
  /** Containers currently being serialized, parallel to the depth, for cycle detection. */
  readonly ancestors: object[];
  /** path.length at the time each ancestor was entered, to name where a cycle points back to. */
  readonly ancestorDepths: number[];
}

/** Serialize `value` as RFC 8785 canonical JSON. Throws `E_CANONICAL_JSON` on non-JSON input. */
export function canonicalize(value: unknown): string {
  const state: WalkState = { path: [], ancestors: [], ancestorDepths: [] };
  return serialize(value, state);
}

/**
 * One string as RFC 8785 canonical JSON (quoted and escaped). For callers that splice
 * canonical fragments together on a hot path, such as the ledger's entry preimage.
 */
export function canonicalString(text: string): string {
  return quote(text, { path: [], ancestors: [], ancestorDepths: [] }, "string");
}

/** The canonical form as UTF-8 bytes: what gets hashed and signed. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), "utf8");
}

function serialize(value: unknown, state: WalkState): string {
  switch (typeof value) {
    case "string":
      return quote(value, state, "string");
    case "number":
      // ECMAScript Number::toString is exactly JCS's number format; it also prints -0 as "0".
      if (Number.isFinite(value)) return String(value);
      throw fail(
        state,
        `${String(value)} at ${formatPath(state.path)} is not a JSON number`,
        "Encode non-finite numbers explicitly (for example as a string or null) before canonicalizing.",
      );
    case "boolean":
      return value ? "true" : "false";
    case "object":
      if (value === null) return "null";
      return Array.isArray(value) ? serializeArray(value, state) : serializeObject(value, state);
    case "undefined":
      throw fail(
        state,
        `undefined at ${formatPath(state.path)} is not JSON`,
        "Pass a JSON value; use null for an absent value.",
      );
    case "bigint":
      throw fail(
        state,
        `bigint at ${formatPath(state.path)} is not JSON`,
        "Convert it to a decimal string (exact), or to a number if it is within ±2^53.",
      );
    case "function":
      throw fail(
        state,
        `function at ${formatPath(state.path)} is not JSON`,
        "Remove it, or replace it with the data it would produce.",
      );
    case "symbol":
      throw fail(
        state,
        `symbol at ${formatPath(state.path)} is not JSON`,
        "Replace it with a string.",
      );
  }
}

function serializeArray(array: readonly unknown[], state: WalkState): string {
  enter(array, state);
  const path = state.path;
  let out = "[";
  for (let i = 0; i < array.length; i++) {
    path.push(i);
    // Reading by index also turns holes in sparse arrays into undefined, which we refuse.
    const item = array[i];
    if (item === undefined) {
      throw fail(
        state,
        `undefined array element at ${formatPath(path)}: canonical JSON will not turn it into null`,
        "Use null explicitly, or remove the element.",
      );
    }
    if (i > 0) out += ",";
    out += serialize(item, state);
    path.pop();
  }
  leave(state);
  return `${out}]`;
}

function serializeObject(object: object, state: WalkState): string {
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) {
    throw fail(
      state,
      `${describeObject(proto)} at ${formatPath(state.path)} is not a plain object or array`,
      "Convert it first: a Date to an ISO string, a Buffer to base64 or hex, a Map to a plain object, a class instance to a plain object of its fields.",
    );
  }
  // Object.keys skips symbol keys; refusing them keeps the output a faithful copy of the input.
  if (Object.getOwnPropertySymbols(object).length > 0) {
    throw fail(
      state,
      `object at ${formatPath(state.path)} has symbol-keyed properties, which JSON cannot hold`,
      "Move the data under string keys, or drop the symbol keys before canonicalizing.",
    );
  }
  enter(object, state);
  const record = object as Record<string, unknown>;
  const keys = sortKeys(Object.keys(record));
  const path = state.path;
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    path.push(key);
    const member = record[key];
    if (member === undefined) {
      throw fail(
        state,
        `undefined object value at ${formatPath(path)}: canonical JSON will not silently drop the key`,
        "Omit the key, or set it to null.",
      );
    }
    if (i > 0) out += ",";
    out += `${quote(key, state, "key")}:${serialize(member, state)}`;
    path.pop();
  }
  leave(state);
  return `${out}}`;
}

/**
 * Sorts in place by UTF-16 code units, the order RFC 8785 section 3.2.3 requires: both `>` on
 * strings and the comparator-less Array#sort compare code units. Audit entries have a handful of
 * keys, where an insertion sort is several times faster than Array#sort.
 */
function sortKeys(keys: string[]): string[] {
  const n = keys.length;
  if (n > 16) return keys.sort();
  for (let i = 1; i < n; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

function enter(container: object, state: WalkState): void {
  const ancestors = state.ancestors;
  // Linear search beats a Set at the shallow depths audit entries have.
  const index = ancestors.indexOf(container);
  if (index !== -1) {
    const target = state.path.slice(0, state.ancestorDepths[index]);
    throw fail(
      state,
      `circular reference at ${formatPath(state.path)} (points back to ${formatPath(target)})`,
      "Canonical JSON is a tree: break the cycle or reference the object by an id.",
    );
  }
  if (ancestors.length >= MAX_CANONICAL_DEPTH) {
    throw fail(
      state,
      `value at ${formatPath(state.path)} is nested deeper than ${MAX_CANONICAL_DEPTH} levels`,
      "Flatten the structure before canonicalizing.",
    );
  }
  ancestors.push(container);
  state.ancestorDepths.push(state.path.length);
}

function leave(state: WalkState): void {
  state.ancestors.pop();
  state.ancestorDepths.pop();
}

// Anything JSON.stringify would escape, plus surrogates. Most strings (ids, hashes, timestamps)
// match nothing and are quoted directly, which is several times faster than JSON.stringify.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding U+0000..U+001F is the point
const NEEDS_CARE = /["\\\u0000-\u001f\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function quote(text: string, state: WalkState, role: "string" | "key"): string {
  if (!NEEDS_CARE.test(text)) return `"${text}"`;
  // A lone surrogate has no UTF-8 encoding: Buffer.from would write U+FFFD, so the bytes we hash
  // would no longer match the string. I-JSON (RFC 7493), which JCS requires, forbids them.
  if (LONE_SURROGATE.test(text)) {
    const where = formatPath(state.path);
    throw fail(
      state,
      role === "key"
        ? `object key at ${where} contains a lone UTF-16 surrogate, which has no UTF-8 encoding`
        : `string at ${where} contains a lone UTF-16 surrogate, which has no UTF-8 encoding`,
      "Fix the text at its source; it is not valid Unicode (often a string cut in the middle of an emoji).",
    );
  }
  // JSON.stringify's string escaping (short escapes, lowercase \u00XX for other controls,
  // everything else verbatim) is exactly RFC 8785 section 3.2.2.2.
  return JSON.stringify(text);
}

function fail(state: WalkState, message: string, hint: string): RampartError {
  return new RampartError("E_CANONICAL_JSON", `canonical JSON: ${message}`, {
    hint,
    details: { path: formatPath(state.path) },
  });
}

function describeObject(proto: unknown): string {
  let name: unknown;
  try {
    name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
  } catch {
    // A hostile getter or proxy must not replace our error with its own.
    name = undefined;
  }
  return typeof name === "string" && name !== "" && name !== "Object"
    ? `${name} instance`
    : "object with a non-plain prototype";
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `$.payload.items[3]`, with `["odd key"]` for keys that are not identifiers. */
function formatPath(path: readonly PathSegment[]): string {
  let out = "$";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
