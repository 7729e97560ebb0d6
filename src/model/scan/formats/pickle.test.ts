import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BufferSource, type ByteSource } from "../byteSource.js";
import { assemble, concat } from "../pickle/testdata/assemble.js";
import { runScanner } from "../testing/scanHarness.js";
import { pickleScanner } from "./pickle.js";

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../pickle/testdata/${name}`, import.meta.url)));
const head = (bytes: Uint8Array) => bytes.subarray(0, 4096);

describe("pickleScanner.detect", () => {
  it("detects pickles of every protocol by content, whatever the name", () => {
    for (const p of [0, 1, 2, 3, 4, 5]) {
      const bytes = fixture(`reduce_os_system_p${p}.pkl`);
      expect(pickleScanner.detect(head(bytes), { size: bytes.length, name: "weights.bin" })).toBe(
        true,
      );
    }
  });

  it("does not claim text, JSON or CSV", () => {
    for (const sample of ['{"a": 1}', "a,b\n1,2\n", "hello world\n"]) {
      const bytes = new TextEncoder().encode(sample);
      expect(pickleScanner.detect(bytes, { size: bytes.length, name: "x.pkl" })).toBe(false);
    }
  });
});

describe("pickleScanner.scan", () => {
  it("finds the payload in the second of two stacked pickles", async () => {
    const { issues } = await runScanner(pickleScanner, fixture("stacked_benign_then_evil.pkl"));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ rule: "pickle.dangerous-global", severity: "critical" });
  });

  it("keeps going through many stacked pickles, and ignores trailing text", async () => {
    const benign = assemble([["PROTO", 2], ["EMPTY_DICT"], ["STOP"]]);
    const evil = assemble([
      ["PROTO", 4],
      ["SHORT_BINUNICODE", "os"],
      ["SHORT_BINUNICODE", "system"],
      ["STACK_GLOBAL"],
      ["STOP"],
    ]);
    const bytes = concat(benign, benign, benign, evil, new TextEncoder().encode("\nend of file\n"));
    const { issues } = await runScanner(pickleScanner, bytes);
    expect(issues.map((i) => i.rule)).toEqual(["pickle.dangerous-global"]);
    expect(issues[0]?.offset).toBe(3 * benign.length + 14); // the STACK_GLOBAL
  });

  it("reports nothing for benign model pickles", async () => {
    for (const name of [
      "sklearn_logistic_regression.pkl",
      "numpy_arrays_p5.pkl",
      "torch_zip_data.pkl",
    ]) {
      expect((await runScanner(pickleScanner, fixture(name))).issues, name).toEqual([]);
    }
  });

  it("reports a pickle larger than the in-memory limit instead of passing it", async () => {
    const bytes = fixture("reduce_os_system_p2.pkl");
    const { issues } = await runScanner(pickleScanner, bytes, { limits: { maxInMemoryBytes: 10 } });
    expect(issues).toEqual([
      expect.objectContaining({
        rule: "pickle.too-large",
        severity: "medium",
        evidence: { size: bytes.length, limit: 10 },
      }),
    ]);
  });

  it("reads through the input's ByteSource", async () => {
    const bytes = fixture("reduce_os_system_p4.pkl");
    const reads: [number, number][] = [];
    const inner = new BufferSource(bytes);
    const source: ByteSource = {
      size: bytes.length,
      read: (offset, length) => {
        reads.push([offset, length]);
        return inner.read(offset, length);
      },
    };
    const { issues } = await runScanner(pickleScanner, new Uint8Array(0), { source });
    expect(reads).toEqual([[0, bytes.length]]);
    expect(issues[0]?.rule).toBe("pickle.dangerous-global");
  });
});
