import { deflateSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { fixture, head, rules } from "../archive/testdata/fixtures.js";
import { runScanner } from "../testing/scanHarness.js";
import type { FormatScanner } from "../types.js";
import {
  bzip2Scanner,
  COMPRESSED_SCANNERS,
  gzipScanner,
  lz4Scanner,
  xzScanner,
  zlibScanner,
} from "./compressed.js";

const joblib = fixture("logreg.joblib");
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const detected = (bytes: Uint8Array) =>
  COMPRESSED_SCANNERS.filter((s) => s.detect(head(bytes), { size: bytes.length, name: "x" })).map(
    (s) => s.format,
  );

describe("compressed stream detection", () => {
  it.each([
    ["logreg.joblib.gz", "gzip"],
    ["logreg.joblib.z", "zlib"],
    ["logreg.joblib.bz2", "bzip2"],
    ["logreg.joblib.xz", "xz"],
    ["logreg.joblib.lz4", "lz4"],
  ])("%s is %s and nothing else", (name, format) => {
    expect(detected(fixture(name))).toEqual([format]);
  });

  it("claims nothing it should not", () => {
    for (const name of ["logreg.joblib", "float.npy", "torch_state_dict.pt", "torch_legacy.tar"]) {
      expect(detected(fixture(name)), name).toEqual([]);
    }
    expect(detected(new TextEncoder().encode("x\x9c is text, BZh9 too"))).toEqual([]);
  });
});

describe("compressed stream scanning", () => {
  it.each([
    [gzipScanner, "logreg.joblib.gz"],
    [zlibScanner, "logreg.joblib.z"],
    [bzip2Scanner, "logreg.joblib.bz2"],
    [xzScanner, "logreg.joblib.xz"],
    [lz4Scanner, "logreg.joblib.lz4"],
  ] as [FormatScanner, string][])(
    "%#: hands the joblib inside to the orchestrator",
    async (scanner, name) => {
      const { issues, nested } = await runScanner(scanner, fixture(name), { name });
      expect(issues).toEqual([]);
      expect(nested.map((n) => n.name)).toEqual(["logreg.joblib"]);
      expect(same(nested[0]!.bytes, joblib)).toBe(true);
    },
  );

  it("names the content after the gzip header's file name when the suffix says nothing", async () => {
    const withName = new Uint8Array([...gzipSync(new TextEncoder().encode("x"))]);
    // FNAME flag and a name between the 10-byte header and the body.
    const name = new TextEncoder().encode("model.pkl\0");
    const bytes = new Uint8Array([
      ...withName.subarray(0, 3),
      0x08,
      ...withName.subarray(4, 10),
      ...name,
      ...withName.subarray(10),
    ]);
    const { nested } = await runScanner(gzipScanner, bytes, { name: "download" });
    expect(nested[0]!.name).toBe("model.pkl");
    expect((await runScanner(gzipScanner, bytes, { name: "a.tgz" })).nested[0]!.name).toBe("a.tar");
  });

  it("stops a bomb at the cap and scans only its head", async () => {
    const bomb = gzipSync(new Uint8Array(8 * 1024 * 1024), { level: 9 });
    const { issues, nested } = await runScanner(gzipScanner, bomb, {
      limits: { maxExpandedBytes: 1024 * 1024 },
    });
    expect(rules(issues)).toEqual(["compressed.bomb"]);
    expect(issues[0]!.severity).toBe("high");
    expect(nested[0]!.bytes.length).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024);
    const ratio = await runScanner(
      zlibScanner,
      deflateSync(new Uint8Array(40 * 1024 * 1024), { level: 9 }),
    );
    expect(ratio.issues[0]!.evidence.limit).toBe("ratio");
  });

  it("reports corrupt streams and still scans what decoded", async () => {
    const gz = fixture("logreg.joblib.gz");
    const { issues, nested } = await runScanner(gzipScanner, gz.subarray(0, gz.length - 20));
    expect(rules(issues)).toEqual(["compressed.corrupt"]);
    expect(nested.length).toBeLessThanOrEqual(1);
  });

  it("reports and scans data after the stream", async () => {
    const tail = new TextEncoder().encode("\x80\x02cos\nsystem\n.");
    for (const [scanner, name] of [
      [gzipScanner, "logreg.joblib.gz"],
      [zlibScanner, "logreg.joblib.z"],
      [bzip2Scanner, "logreg.joblib.bz2"],
    ] as const) {
      const { issues, nested } = await runScanner(
        scanner,
        new Uint8Array([...fixture(name), ...tail]),
        { name },
      );
      expect(rules(issues), name).toEqual(["compressed.trailing-data"]);
      expect(nested.map((n) => n.name)).toEqual(["logreg.joblib", "logreg.joblib:trailing"]);
      expect(Buffer.from(nested[1]!.bytes).equals(tail)).toBe(true);
    }
  });

  it("refuses bzip2 input too large for memory", async () => {
    const { issues } = await runScanner(bzip2Scanner, fixture("logreg.joblib.bz2"), {
      limits: { maxInMemoryBytes: 100 },
    });
    expect(rules(issues)).toEqual(["compressed.too-large"]);
  });
});
