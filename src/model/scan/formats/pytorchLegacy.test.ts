import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assemble, concat } from "../pickle/testdata/assemble.js";
import { runPickle } from "../pickle/vm.js";
import { runScanner } from "../testing/scanHarness.js";
import { legacyMagicEnd, pytorchLegacyScanner } from "./pytorchLegacy.js";

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../pickle/testdata/${name}`, import.meta.url)));
const MAGIC = 0x1950a86a20f9469cfc6cn;

/** Offsets where each of the five pickles ends. */
function pickleEnds(bytes: Uint8Array): number[] {
  const ends: number[] = [];
  let pos = 0;
  for (let i = 0; i < 5; i++) {
    pos = runPickle(bytes, pos).end;
    ends.push(pos);
  }
  return ends;
}

describe("pytorchLegacyScanner.detect", () => {
  it("recognises the magic-number pickle in protocols 0, 2 and 4", () => {
    expect(
      pytorchLegacyScanner.detect(fixture("torch_legacy_state_dict.pt"), {
        size: 565,
        name: "m.pt",
      }),
    ).toBe(true);
    expect(legacyMagicEnd(assemble([["PROTO", 2], ["LONG1", MAGIC], ["STOP"]]))).toBe(15);
    expect(legacyMagicEnd(assemble([["LONG", MAGIC], ["STOP"]]))).toBe(28);
    const p4 = concat(
      assemble([
        ["PROTO", 4],
        ["FRAME", 13],
      ]),
      assemble([["LONG1", MAGIC], ["STOP"]]),
    );
    expect(legacyMagicEnd(p4)).toBe(p4.length);
  });

  it("does not claim other pickles", () => {
    for (const name of ["torch_zip_data.pkl", "reduce_os_system_p2.pkl", "benign_dict_p0.pkl"]) {
      const bytes = fixture(name);
      expect(pytorchLegacyScanner.detect(bytes, { size: bytes.length, name }), name).toBe(false);
    }
    expect(
      legacyMagicEnd(assemble([["PROTO", 2], ["LONG1", MAGIC + 1n], ["STOP"]])),
    ).toBeUndefined();
  });
});

describe("pytorchLegacyScanner.scan", () => {
  it("passes a real legacy state dict quietly, storages walked to the end", async () => {
    expect(
      (await runScanner(pytorchLegacyScanner, fixture("torch_legacy_state_dict.pt"))).issues,
    ).toEqual([]);
  });

  it("flags only the user's class in a real full-module checkpoint, as low", async () => {
    const { issues } = await runScanner(
      pytorchLegacyScanner,
      fixture("torch_legacy_full_module.pt"),
    );
    expect(issues.map((i) => [i.rule, i.severity, i.evidence.global])).toEqual([
      ["pickle.unknown-class-instantiated", "low", "__main__.TinyNet"],
    ]);
  });

  it("never parses the raw storages as pickle", async () => {
    const bytes = fixture("torch_legacy_state_dict.pt").slice();
    const storages = pickleEnds(bytes)[4]!;
    // Overwrite storage bytes (after the first 8-byte count) with a pickle-looking payload.
    bytes.set(new TextEncoder().encode("cos\nsystem\n"), storages + 8);
    expect((await runScanner(pytorchLegacyScanner, bytes)).issues).toEqual([]);
  });

  it("judges a payload hidden in the sys_info pickle", async () => {
    const real = fixture("torch_legacy_state_dict.pt");
    const ends = pickleEnds(real);
    const payload = assemble([
      ["PROTO", 2],
      ["GLOBAL", "posix", "system"],
      ["BINUNICODE", "id"],
      ["TUPLE1"],
      ["REDUCE"],
      ["STOP"],
    ]);
    const bytes = concat(real.subarray(0, ends[1]), payload, real.subarray(ends[2]));
    const { issues } = await runScanner(pytorchLegacyScanner, bytes);
    expect(issues).toEqual([
      expect.objectContaining({
        rule: "pickle.dangerous-global",
        severity: "critical",
        offset: ends[1]! + 2,
      }),
    ]);
  });

  it("reports truncated storages and storages that disagree with the pickle", async () => {
    const real = fixture("torch_legacy_state_dict.pt");
    const truncated = await runScanner(pytorchLegacyScanner, real.subarray(0, real.length - 4));
    expect(truncated.issues.map((i) => [i.rule, i.severity])).toEqual([
      ["pytorch-legacy.storage-truncated", "medium"],
    ]);

    const altered = real.slice();
    const storages = pickleEnds(altered)[4]!;
    altered[storages] = (altered[storages] ?? 0) + 1;
    const mismatch = await runScanner(pytorchLegacyScanner, altered);
    expect(mismatch.issues.map((i) => i.rule)).toContain("pytorch-legacy.storage-layout");
  });

  it("reports bytes after the storages, and judges them when they are a pickle", async () => {
    const real = fixture("torch_legacy_state_dict.pt");
    const text = await runScanner(
      pytorchLegacyScanner,
      concat(real, new TextEncoder().encode("hello")),
    );
    expect(text.issues.map((i) => [i.rule, i.severity])).toEqual([
      ["pytorch-legacy.trailing-data", "low"],
    ]);
    const evil = fixture("reduce_os_system_p2.pkl");
    const withPickle = await runScanner(pytorchLegacyScanner, concat(real, evil));
    expect(withPickle.issues.map((i) => [i.rule, i.severity])).toEqual([
      ["pytorch-legacy.trailing-data", "medium"],
      ["pickle.dangerous-global", "critical"],
    ]);
    expect(withPickle.issues[1]?.offset).toBe(real.length + 2);
  });

  it("reports a file whose pickles do not fit the in-memory limit", async () => {
    const real = fixture("torch_legacy_full_module.pt");
    const { issues } = await runScanner(pytorchLegacyScanner, real, {
      limits: { maxInMemoryBytes: 100 },
    });
    expect(issues.map((i) => [i.rule, i.severity])).toEqual([
      ["pytorch-legacy.too-large", "medium"],
    ]);
  });

  it("stops at a broken pickle and reports it", async () => {
    const real = fixture("torch_legacy_state_dict.pt");
    const ends = pickleEnds(real);
    const { issues } = await runScanner(pytorchLegacyScanner, real.subarray(0, ends[3]! - 1));
    expect(issues.map((i) => i.rule)).toEqual(["pickle.broken-stream"]);
  });
});
