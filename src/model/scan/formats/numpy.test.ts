import { describe, expect, it } from "vitest";
import { buildZip } from "../archive/testdata/build.js";
import { fixture, head, rules } from "../archive/testdata/fixtures.js";
import { runScanner } from "../testing/scanHarness.js";
import { numpyNpyScanner, numpyNpzScanner } from "./numpy.js";
import { zipScanner } from "./zip.js";

function npy(header: string, data: Uint8Array = new Uint8Array(0), major = 1): Uint8Array {
  const text = new TextEncoder().encode(header);
  const prelude = major === 1 ? 10 : 12;
  const out = new Uint8Array(prelude + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, prelude);
  out.set(data, prelude + text.length);
  return out;
}

const floats = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n";

describe(".npy", () => {
  it("detects by magic only", () => {
    expect(numpyNpyScanner.detect(head(fixture("float.npy")), { size: 224, name: "x.bin" })).toBe(
      true,
    );
    expect(
      numpyNpyScanner.detect(head(fixture("logreg.joblib")), { size: 975, name: "x.npy" }),
    ).toBe(false);
  });

  it.each(["float.npy", "structured.npy"])("finds nothing in %s", async (name) => {
    const { issues, nested } = await runScanner(numpyNpyScanner, fixture(name), { name });
    expect(issues).toEqual([]);
    expect(nested).toEqual([]);
  });

  it("reports an object array and hands its pickle over", async () => {
    const bytes = fixture("object.npy");
    const { issues, nested } = await runScanner(numpyNpyScanner, bytes, { name: "object.npy" });
    expect(rules(issues)).toEqual(["numpy.object-array"]);
    expect(issues[0]!.severity).toBe("medium");
    expect(issues[0]!.evidence).toMatchObject({ descr: "'|O'", shape: [3] });
    expect(nested.map((n) => n.name)).toEqual(["object.npy:object-array"]);
    expect(nested[0]!.bytes[0]).toBe(0x80);
    expect(nested[0]!.bytes.at(-1)).toBe(0x2e);
  });

  it("finds object fields inside structured dtypes", async () => {
    const { issues } = await runScanner(
      numpyNpyScanner,
      npy(
        "{'descr': [('a', '<i4'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }\n",
        new Uint8Array([0x80, 2, 0x2e]),
      ),
    );
    expect(rules(issues)).toEqual(["numpy.object-array"]);
  });

  it("reports and scans trailing data, reports truncation", async () => {
    const extra = await runScanner(numpyNpyScanner, npy(floats, new Uint8Array(16 + 5)), {
      name: "a.npy",
    });
    expect(rules(extra.issues)).toEqual(["numpy.trailing-data"]);
    expect(extra.nested.map((n) => [n.name, n.bytes.length])).toEqual([["a.npy:trailing", 5]]);
    const short = await runScanner(numpyNpyScanner, npy(floats, new Uint8Array(10)));
    expect(rules(short.issues)).toEqual(["numpy.truncated"]);
  });

  it("never evaluates the header and reports what numpy would refuse", async () => {
    const code = await runScanner(numpyNpyScanner, npy("__import__('os').system('id')"));
    expect(rules(code.issues)).toEqual(["numpy.malformed-header"]);
    const keys = await runScanner(
      numpyNpyScanner,
      npy("{'descr': '<f8', 'shape': (0,), 'evil': 1}"),
    );
    expect(rules(keys.issues)).toEqual(["numpy.malformed-header"]);
    const version = await runScanner(numpyNpyScanner, npy(floats, new Uint8Array(16), 9));
    expect(rules(version.issues)).toEqual(["numpy.unsupported-version"]);
    const big = await runScanner(
      numpyNpyScanner,
      npy(floats.replace("}", `${" ".repeat(20_000)}}`), new Uint8Array(16), 2),
    );
    expect(rules(big.issues)).toEqual(["numpy.large-header"]);
  });
});

describe(".npz", () => {
  it.each(["arrays.npz", "arrays_compressed.npz"])(
    "detects %s before the generic zip and hands each array over",
    async (name) => {
      const bytes = fixture(name);
      expect(numpyNpzScanner.detect(head(bytes), { size: bytes.length, name: "x" })).toBe(true);
      const { issues, nested } = await runScanner(numpyNpzScanner, bytes, { name });
      expect(issues).toEqual([]);
      expect(nested.map((n) => n.name)).toEqual(["a.npy", "b.npy"]);
      for (const n of nested)
        expect(numpyNpyScanner.detect(n.bytes, { size: n.bytes.length, name: n.name })).toBe(true);
    },
  );

  it("is not claimed for other zips, and reports foreign members", async () => {
    const other = buildZip([{ name: "data.pkl", data: "x" }]);
    expect(numpyNpzScanner.detect(head(other), { size: other.length, name: "x.npz" })).toBe(false);
    expect(zipScanner.detect(head(other), { size: other.length, name: "x.npz" })).toBe(true);
    const { issues } = await runScanner(
      numpyNpzScanner,
      buildZip([
        { name: "a.npy", data: npy(floats, new Uint8Array(16)) },
        { name: "payload.pkl", data: "\x80\x02." },
      ]),
    );
    expect(issues.map((i) => [i.rule, i.severity])).toEqual([["numpy.unexpected-member", "low"]]);
  });
});
