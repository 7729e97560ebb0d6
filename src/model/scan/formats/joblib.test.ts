import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { BufferedReader } from "../archive/bufferedReader.js";
import { walkPickle } from "../archive/pickleWalker.js";
import { fixture, head, rules } from "../archive/testdata/fixtures.js";
import { BufferSource } from "../byteSource.js";
import { runScanner } from "../testing/scanHarness.js";
import { COMPRESSED_SCANNERS } from "./compressed.js";
import { joblibScanner, PICKLE_SUFFIX } from "./joblib.js";

const detect = (bytes: Uint8Array, name = "model.joblib") =>
  joblibScanner.detect(head(bytes), { size: bytes.length, name });

async function isWholePickle(bytes: Uint8Array): Promise<boolean> {
  const source = new BufferSource(bytes);
  const { end } = await walkPickle(new BufferedReader(source, 0, source.size));
  return end === bytes.length;
}

describe("joblib detection", () => {
  it("claims real dumps by content, and not its own pickle output", () => {
    expect(detect(fixture("logreg.joblib"))).toBe(true);
    expect(detect(fixture("arrays.joblib"))).toBe(true);
    expect(detect(new Uint8Array([0x80, 0x04, 0x4b, 0x01, 0x2e]))).toBe(false);
    expect(detect(fixture("logreg.joblib.z"))).toBe(false); // compressed.ts opens it first
  });
});

describe("joblib scanning", () => {
  it("hands the LogisticRegression pickle over without its raw arrays", async () => {
    const bytes = fixture("logreg.joblib");
    const { issues, nested } = await runScanner(joblibScanner, bytes, { name: "logreg.joblib" });
    expect(issues).toEqual([]);
    expect(nested.map((n) => n.name)).toEqual([`logreg.joblib${PICKLE_SUFFIX}`]);
    const pickle = nested[0]!.bytes;
    expect(pickle.length).toBe(bytes.length - 26 - 20 - 100 - 31);
    expect(await isWholePickle(pickle)).toBe(true);
    expect(new TextDecoder("latin1").decode(pickle)).toContain("LogisticRegression");
  });

  it("hands object arrays over as pickles of their own", async () => {
    const { issues, nested } = await runScanner(joblibScanner, fixture("arrays.joblib"), {
      name: "a.joblib",
    });
    expect(issues).toEqual([]);
    expect(nested.map((n) => n.name)).toEqual([`a.joblib${PICKLE_SUFFIX}`, "a.joblib:array-1"]);
    for (const n of nested) expect(await isWholePickle(n.bytes)).toBe(true);
  });

  it("reports and scans bytes after the pickle", async () => {
    const bytes = new Uint8Array([...fixture("logreg.joblib"), 0x80, 0x02, 0x4b, 0x01, 0x2e]);
    const { issues, nested } = await runScanner(joblibScanner, bytes, { name: "m.joblib" });
    expect(rules(issues)).toEqual(["joblib.trailing-data"]);
    expect(nested.at(-1)!.name).toBe("m.joblib:trailing");
  });

  it("falls back to the whole stream when the arrays cannot be located", async () => {
    const bytes = fixture("logreg.joblib");
    const { issues, nested } = await runScanner(joblibScanner, bytes.subarray(0, 600), {
      name: "m.joblib",
    });
    expect(rules(issues)).toEqual(["joblib.unparsed"]);
    expect(nested[0]!.bytes.length).toBe(600);
  });

  it.each(["z", "gz", "bz2", "xz", "lz4"])(
    "reads compress=%s dumps through the compressed scanners",
    async (ext) => {
      const name = `logreg.joblib.${ext}`;
      const bytes = fixture(name);
      const outer = COMPRESSED_SCANNERS.find((s) =>
        s.detect(head(bytes), { size: bytes.length, name }),
      )!;
      const inner = (await runScanner(outer, bytes, { name })).nested[0]!;
      expect(detect(inner.bytes, inner.name)).toBe(true);
      const { issues, nested } = await runScanner(joblibScanner, inner.bytes, { name: inner.name });
      expect(issues).toEqual([]);
      expect(await isWholePickle(nested[0]!.bytes)).toBe(true);
    },
  );

  it("reads the pre-0.10 ZF format", async () => {
    const pickle = new Uint8Array([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]);
    const header = new TextEncoder().encode(`ZF${"0x6".padEnd(19, " ")}`);
    const bytes = new Uint8Array([...header, ...deflateSync(pickle)]);
    expect(detect(bytes)).toBe(true);
    const { issues, nested } = await runScanner(joblibScanner, bytes, { name: "old.pkl" });
    expect(issues).toEqual([]);
    expect(Buffer.from(nested[0]!.bytes).equals(pickle)).toBe(true);
  });
});
