import { describe, expect, it } from "vitest";
import { describeDescr, parseNpyHeader } from "./npyHeader.js";
import { LiteralError, parsePyLiteral } from "./pyLiteral.js";
import { fixture } from "./testdata/fixtures.js";

function npy(header: string, major = 1): Uint8Array {
  const text = new TextEncoder().encode(header);
  const prelude = major === 1 ? 10 : 12;
  const out = new Uint8Array(prelude + text.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, prelude);
  return out;
}

describe("Python literal parser", () => {
  it("parses what numpy writes, Python 2 longs included", () => {
    expect(parsePyLiteral("{'a': (3L, 4), 'b': [True, None], \"c\": 'x\\'y', }")).toEqual({
      type: "dict",
      entries: [
        [
          { type: "str", value: "a" },
          {
            type: "tuple",
            items: [
              { type: "int", value: 3n },
              { type: "int", value: 4n },
            ],
          },
        ],
        [
          { type: "str", value: "b" },
          { type: "list", items: [{ type: "bool", value: true }, { type: "none" }] },
        ],
        [
          { type: "str", value: "c" },
          { type: "str", value: "x'y" },
        ],
      ],
    });
    expect(parsePyLiteral("(5,)")).toEqual({ type: "tuple", items: [{ type: "int", value: 5n }] });
    expect(parsePyLiteral("(5)")).toEqual({ type: "int", value: 5n });
  });

  it.each([
    "__import__('os').system('id')",
    "{'a': 1.5}",
    "{'a': b'x'}",
    "{'a': 1} junk",
    "[".repeat(100),
    "{'a': 'unterminated}",
  ])("refuses %s", (text) => {
    expect(() => parsePyLiteral(text)).toThrow(LiteralError);
  });
});

describe(".npy header", () => {
  it("reads real headers and sizes their dtypes", () => {
    const float = parseNpyHeader(fixture("float.npy"));
    expect(float.problems).toEqual([]);
    expect(float.shape).toEqual([3n, 4n]);
    expect(float.dataOffset % 64).toBe(0);
    expect(describeDescr(float.descr)).toEqual({ itemsize: 8, hasObject: false });
    const structured = parseNpyHeader(fixture("structured.npy"));
    expect(describeDescr(structured.descr)).toEqual({ itemsize: 20, hasObject: false });
    expect(describeDescr(parseNpyHeader(fixture("object.npy")).descr).hasObject).toBe(true);
  });

  it("sizes typestrs and nested object fields", () => {
    const size = (descr: string) => describeDescr(parsePyLiteral(descr));
    expect(size("'<U10'")).toEqual({ itemsize: 40, hasObject: false });
    expect(size("'<M8[ns]'")).toEqual({ itemsize: 8, hasObject: false });
    expect(size("'|b1'")).toEqual({ itemsize: 1, hasObject: false });
    expect(size("'<c16'")).toEqual({ itemsize: 16, hasObject: false });
    expect(size("[('a', '<i4'), ('b', [('c', '|O')])]").hasObject).toBe(true);
    expect(size("'nonsense'").itemsize).toBeUndefined();
  });

  it("reports wrong keys, bad versions and truncation", () => {
    expect(parseNpyHeader(npy("{'descr': '<f8', 'shape': (1,)}")).problems).toEqual([
      { kind: "keys", keys: ["descr", "shape"] },
    ]);
    expect(
      parseNpyHeader(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}"))
        .problems[0]!.kind,
    ).toBe("keys");
    expect(parseNpyHeader(npy("{}", 4)).problems).toEqual([
      { kind: "version", major: 4, minor: 0 },
    ]);
    expect(parseNpyHeader(npy("{'descr': '<f8'}").subarray(0, 12)).problems).toEqual([
      { kind: "truncated" },
    ]);
    expect(
      parseNpyHeader(npy("{'descr': '<f8', 'fortran_order': 0, 'shape': 'x'}", 2)).problems.map(
        (p) => p.kind,
      ),
    ).toEqual(["value", "value"]);
  });
});
