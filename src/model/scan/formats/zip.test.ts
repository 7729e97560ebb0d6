import { describe, expect, it } from "vitest";
import { buildZip } from "../archive/testdata/build.js";
import { rules } from "../archive/testdata/fixtures.js";
import { runScanner } from "../testing/scanHarness.js";
import { zipScanner } from "./zip.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const detect = (bytes: Uint8Array) =>
  zipScanner.detect(bytes.subarray(0, 4096), { size: bytes.length, name: "x" });

describe("zip detection", () => {
  it("claims zips by content, whatever the name", () => {
    expect(detect(buildZip([{ name: "a", data: "b" }]))).toBe(true);
    expect(detect(buildZip([]))).toBe(true);
    expect(detect(new TextEncoder().encode("PK not a zip"))).toBe(false);
    expect(detect(new Uint8Array([0x80, 0x02, 0x4b, 0x01, 0x2e]))).toBe(false);
  });
});

describe("zip scanning", () => {
  it("hands every member over, compressed ones decompressed", async () => {
    const { issues, nested } = await runScanner(
      zipScanner,
      buildZip([
        { name: "dir/", data: "" },
        { name: "dir/a.pkl", data: "one" },
        { name: "b.bin", data: "two".repeat(100), method: 8 },
      ]),
    );
    expect(issues).toEqual([]);
    expect(nested.map((n) => [n.name, text(n.bytes).slice(0, 6)])).toEqual([
      ["dir/a.pkl", "one"],
      ["b.bin", "twotwo"],
    ]);
  });

  it("hands a nested zip over as bytes for the orchestrator to recurse into", async () => {
    const innermost = buildZip([{ name: "data.pkl", data: "payload" }]);
    const middle = buildZip([{ name: "inner.zip", data: innermost, method: 8 }]);
    const outer = buildZip([{ name: "middle.zip", data: middle }]);
    const first = await runScanner(zipScanner, outer);
    expect(first.issues).toEqual([]);
    expect(first.nested.map((n) => n.name)).toEqual(["middle.zip"]);
    expect(detect(first.nested[0]!.bytes)).toBe(true);
    const second = await runScanner(zipScanner, first.nested[0]!.bytes);
    expect(Buffer.from(second.nested[0]!.bytes).equals(innermost)).toBe(true);
  });

  it("scans prepended, appended and hidden content under marked names", async () => {
    const { nested, issues } = await runScanner(
      zipScanner,
      buildZip(
        [
          { name: "a", data: "x" },
          { name: "evil.pkl", data: "smuggled", hidden: true },
        ],
        { prepend: "PREFIX", append: "SUFFIX" },
      ),
    );
    expect(rules(issues)).toEqual(["zip.appended-data", "zip.hidden-member", "zip.prepended-data"]);
    expect(nested.map((n) => [n.name, text(n.bytes)])).toEqual([
      ["a", "x"],
      [`<hidden@${6 + 30 + 1 + 1}>/evil.pkl`, "smuggled"],
      ["<prepended@0>", "PREFIX"],
      [expect.stringMatching(/^<appended@\d+>$/), "SUFFIX"],
    ]);
  });

  it("summarises floods of one issue instead of reporting each", async () => {
    const members = Array.from({ length: 50 }, (_, i) => ({ name: "same", data: String(i) }));
    const { issues } = await runScanner(zipScanner, buildZip(members));
    const duplicates = issues.filter((i) => i.rule === "zip.duplicate-name");
    expect(duplicates).toHaveLength(21);
    expect(duplicates.at(-1)!.evidence).toEqual({ suppressed: 29, total: 49 });
  });

  it("reports an unreadable zip instead of passing it", async () => {
    const { issues, nested } = await runScanner(
      zipScanner,
      new TextEncoder().encode("PK\x03\x04 truncated"),
    );
    expect(rules(issues)).toEqual(["zip.unreadable"]);
    expect(nested).toEqual([]);
  });
});
