import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalBytes, canonicalize, MAX_CANONICAL_DEPTH } from "./canonicalJson.js";
import { isRampartError } from "./errors.js";

const testdata = new URL("./testdata/jcs/", import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, testdata));

/** The thrown error, asserting it is our E_CANONICAL_JSON with the given path in its message. */
function rejection(value: unknown, path: string): Error {
  let caught: unknown;
  try {
    canonicalize(value);
  } catch (error) {
    caught = error;
  }
  if (!isRampartError(caught)) throw new Error(`expected a RampartError, got ${String(caught)}`);
  expect(caught.code).toBe("E_CANONICAL_JSON");
  expect(caught.message).toContain(` at ${path}`);
  expect(caught.details).toEqual({ path });
  expect(caught.hint).toBeTruthy();
  return caught;
}

function doubleFromHex(bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

describe("RFC 8785 test vectors (cyberphone/json-canonicalization testdata)", () => {
  const names = readdirSync(new URL("input/", testdata))
    .filter((file) => file.endsWith(".json.txt"))
    .map((file) => file.slice(0, -".json.txt".length))
    .sort();

  it("finds the vectors", () => {
    expect(names).toEqual([
      "arrays",
      "french",
      "sample",
      "simpleString",
      "structures",
      "unicode",
      "values",
      "weird",
    ]);
  });

  it.each(names)("%s canonicalizes byte-for-byte", (name) => {
    const input: unknown = JSON.parse(fixture(`input/${name}.json.txt`).toString("utf8"));
    const expected = fixture(`output/${name}.json.txt`);
    expect(canonicalBytes(input).equals(expected)).toBe(true);
    expect(canonicalize(input)).toBe(expected.toString("utf8"));
  });

  it.each(["sample", "simpleString"])("%s matches the published UTF-8 hex dump", (name) => {
    const input: unknown = JSON.parse(fixture(`input/${name}.json.txt`).toString("utf8"));
    const hex = fixture(`outhex/${name}.txt`).toString("utf8").replace(/\s+/g, "").toLowerCase();
    expect(canonicalBytes(input).toString("hex")).toBe(hex);
  });
});

describe("RFC 8785 Appendix B numbers", () => {
  const rows = fixture("numbers.txt")
    .toString("utf8")
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => line.split(",") as [string, string]);

  it("has every row of the appendix", () => {
    expect(rows).toHaveLength(26);
  });

  it.each(rows)("%s serializes as %s", (bits, expected) => {
    const value = doubleFromHex(bits);
    if (expected === "error") {
      rejection(value, "$");
      rejection({ n: [value] }, "$.n[0]");
    } else {
      expect(canonicalize(value)).toBe(expected);
      expect(canonicalize([value])).toBe(`[${expected}]`);
    }
  });

  it.each([
    [1e21, "1e+21"],
    [1e21 - 2 ** 17, "999999999999999900000"],
    [1e20, "100000000000000000000"],
    [1e-6, "0.000001"],
    [1e-7, "1e-7"],
    [1e30, "1e+30"],
    [4.5, "4.5"],
    [0.002, "0.002"],
    [1e-27, "1e-27"],
    [-0, "0"],
    [2 ** 53, "9007199254740992"],
    [Number.MAX_SAFE_INTEGER, "9007199254740991"],
    [Number.MIN_VALUE, "5e-324"],
  ])("%d serializes as %s", (value, expected) => {
    expect(canonicalize(value)).toBe(expected);
  });
});

describe("canonicalize", () => {
  it("sorts keys by UTF-16 code units (RFC 8785 section 3.2.3 example)", () => {
    const input = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    expect(canonicalize(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
        '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it("puts a surrogate pair before U+FFFF although its code point is larger", () => {
    expect(canonicalize({ "\uffff": 1, "\u{10000}": 2 })).toBe('{"\u{10000}":2,"\uffff":1}');
  });

  it("escapes only what JSON.stringify escapes", () => {
    const text = '\u0000\u0001\u001f\b\t\n\f\r"\\/\u007f\u0080\u2028\u2029\ufeff\u{1f600}';
    expect(canonicalize(text)).toBe(
      '"\\u0000\\u0001\\u001f\\b\\t\\n\\f\\r\\"\\\\/\u007f\u0080\u2028\u2029\ufeff\u{1f600}"',
    );
  });

  it("serializes top-level scalars and empty containers", () => {
    expect(canonicalize(null)).toBe("null");
    expect(canonicalize(true)).toBe("true");
    expect(canonicalize(false)).toBe("false");
    expect(canonicalize("")).toBe('""');
    expect(canonicalize([])).toBe("[]");
    expect(canonicalize({})).toBe("{}");
    expect(canonicalize([[], {}, [{}]])).toBe("[[],{},[{}]]");
  });

  it("accepts null-prototype objects and shared (acyclic) references", () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.b = 1;
    bare.a = 2;
    const shared = { x: 1 };
    expect(canonicalize({ bare, left: shared, right: shared })).toBe(
      '{"bare":{"a":2,"b":1},"left":{"x":1},"right":{"x":1}}',
    );
  });

  it("keeps __proto__ as an ordinary own key", () => {
    const parsed: unknown = JSON.parse('{"__proto__":{"a":1},"b":2}');
    expect(canonicalize(parsed)).toBe('{"__proto__":{"a":1},"b":2}');
  });

  it("encodes UTF-8 in canonicalBytes", () => {
    expect(canonicalBytes({ "\u20ac": "\u{1f600}" }).toString("hex")).toBe(
      "7b22e282ac223a22f09f9880227d",
    );
  });
});

describe("canonicalize rejects non-JSON input, naming the path", () => {
  it("NaN and Infinity", () => {
    rejection({ payload: { items: [1, 2, 3, Number.NaN] } }, "$.payload.items[3]");
    rejection({ a: Number.POSITIVE_INFINITY }, "$.a");
    expect(rejection([Number.NEGATIVE_INFINITY], "$[0]").message).toContain("-Infinity");
  });

  it("undefined as an array element, never turned into null", () => {
    const error = rejection({ payload: { items: [1, undefined] } }, "$.payload.items[1]");
    expect(error.message).toContain("undefined array element");
    expect(error.message).toContain("null");
  });

  it("a hole in a sparse array", () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point of the test
    rejection([1, , 3], "$[1]");
  });

  it("undefined as an object value, never silently dropped", () => {
    const error = rejection({ payload: { keep: 1, gone: undefined } }, "$.payload.gone");
    expect(error.message).toContain("undefined object value");
    expect(error.message).toContain("drop");
  });

  it("undefined at the top", () => {
    rejection(undefined, "$");
  });

  it("functions, symbols and bigints", () => {
    expect(rejection({ f: () => 1 }, "$.f").message).toContain("function");
    expect(rejection({ s: [Symbol("x")] }, "$.s[0]").message).toContain("symbol");
    const big = rejection({ big: 10n }, "$.big");
    expect(big.message).toContain("bigint");
    expect(big).toMatchObject({ hint: expect.stringContaining("string") });
  });

  it("objects that are not plain: Date, Map, Set, Buffer, typed arrays, class instances", () => {
    class Model {
      name = "m";
    }
    const cases: [unknown, string][] = [
      [new Date(0), "Date"],
      [new Map([["a", 1]]), "Map"],
      [new Set([1]), "Set"],
      [Buffer.from("x"), "Buffer"],
      [new Uint8Array(2), "Uint8Array"],
      [new Model(), "Model"],
      [/re/, "RegExp"],
      [new String("boxed"), "String"],
      [Object.create({ inherited: 1 }), "non-plain prototype"],
    ];
    for (const [value, name] of cases) {
      const error = rejection({ entry: { value } }, "$.entry.value");
      expect(error.message).toContain(name);
      expect(error).toMatchObject({ hint: expect.stringContaining("plain object") });
    }
  });

  it("an object with toJSON is not called: its function value is refused", () => {
    rejection({ at: { toJSON: () => "2020" } }, "$.at.toJSON");
  });

  it("symbol-keyed properties", () => {
    rejection({ meta: { [Symbol("hidden")]: 1, shown: 2 } }, "$.meta");
  });

  it("cycles through objects and arrays", () => {
    const node: Record<string, unknown> = { name: "root" };
    node.children = [{ parent: node }];
    const error = rejection({ tree: node }, "$.tree.children[0].parent");
    expect(error.message).toContain("circular");
    expect(error.message).toContain("points back to $.tree)");

    const list: unknown[] = [];
    list.push(list);
    rejection(list, "$[0]");
  });

  it("lone surrogates in strings and keys", () => {
    rejection({ text: "ok \ud83d" }, "$.text");
    rejection(["\ude00 first"], "$[0]");
    expect(rejection({ "bad\ud800": 1 }, '$["bad\\ud800"]').message).toContain("object key");
  });

  it("quotes keys that are not identifiers in the path", () => {
    rejection({ "model card": [{ "0day": Number.NaN }] }, '$["model card"][0]["0day"]');
  });

  it("nesting deeper than the limit, as a RampartError rather than a stack overflow", () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_CANONICAL_DEPTH + 1; i++) deep = [deep];
    expect(() => canonicalize(deep)).toThrow(/nested deeper than/);
    let fine: unknown = 1;
    for (let i = 0; i < MAX_CANONICAL_DEPTH; i++) fine = { a: fine };
    expect(canonicalize(fine)).toMatch(/^(\{"a":){1000}1\}{1000}$/);
  });
});

/** Rebuilds `value` with object keys inserted in a seed-dependent order, at every level. */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item, i) => reorder(item, seed + i));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).map(([k, v], i) => {
    const rank = Math.imul(seed ^ (i * 0x9e3779b1), 0x85ebca6b) >>> 0;
    return { rank, entry: [k, reorder(v, seed + i + 1)] as const };
  });
  entries.sort((a, b) => a.rank - b.rank);
  // fromEntries defines own properties, so a generated "__proto__" key stays a key.
  return Object.fromEntries(entries.map((e) => e.entry));
}

describe("canonicalize properties", () => {
  const json = fc.jsonValue({ stringUnit: "binary", maxDepth: 4 });

  it("parses back to the same value (with -0 read as 0, as JSON does)", () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(JSON.parse(canonicalize(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it("is idempotent", () => {
    fc.assert(
      fc.property(json, (value) => {
        const once = canonicalize(value);
        expect(canonicalize(JSON.parse(once))).toBe(once);
      }),
    );
  });

  it("does not depend on the key order of the input", () => {
    fc.assert(
      fc.property(json, fc.integer(), (value, seed) => {
        expect(canonicalize(reorder(value, seed))).toBe(canonicalize(value));
      }),
    );
  });

  it("has no insignificant whitespace and sorted keys at the top level", () => {
    // Prefixed keys, because JS enumerates integer-like keys ("9" before "10") numerically.
    // Up to 40 keys, to cover both the insertion sort for small objects and Array#sort.
    const key = fc.string({ unit: "binary" }).map((k) => `k${k}`);
    fc.assert(
      fc.property(fc.dictionary(key, fc.integer(), { maxKeys: 40 }), (record) => {
        const out = canonicalize(record);
        const keys = Object.keys(JSON.parse(out) as Record<string, number>);
        expect(keys).toEqual(Object.keys(record).sort());
        expect(out).toBe(JSON.stringify(JSON.parse(out)));
      }),
    );
  });

  it("refuses every string with a lone surrogate", () => {
    const lone = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(fc.string(), lone, fc.string(), (before, surrogate, after) => {
        // A high surrogate directly followed by a low one would be a valid pair, not a lone one.
        fc.pre(!/^[\udc00-\udfff]/.test(after) && !/[\ud800-\udbff]$/.test(before));
        expect(() => canonicalize([`${before}${surrogate}${after}`])).toThrow(/lone UTF-16/);
      }),
    );
  });
});
