import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runScanner } from "../testing/scanHarness.js";
import type { ScanIssue } from "../types.js";
import { MAX_HEADER, safetensorsScanner } from "./safetensors.js";
import { contiguous, safetensorsFile } from "./testdata/safetensorsWriter.js";

async function scan(bytes: Uint8Array): Promise<ScanIssue[]> {
  return (await runScanner(safetensorsScanner, bytes, { name: "model.safetensors" })).issues;
}

const rules = (issues: readonly ScanIssue[]): string[] => issues.map((i) => i.rule).sort();
const detect = (bytes: Uint8Array): boolean =>
  safetensorsScanner.detect(bytes.subarray(0, 512), { size: bytes.length, name: "x" });

function file(
  tensors: Parameters<typeof contiguous>[0],
  extra: Record<string, unknown> = {},
  dataDelta = 0,
) {
  const { header, dataLength } = contiguous(tensors);
  return safetensorsFile({ ...header, ...extra }, dataLength + dataDelta);
}

describe("safetensors detection", () => {
  it("detects the header-length-then-{ pattern only", () => {
    const fixture = new Uint8Array(
      readFileSync(new URL("./testdata/benign.safetensors", import.meta.url)),
    );
    expect(detect(fixture)).toBe(true);
    expect(detect(safetensorsFile({}, 0))).toBe(true);
    expect(detect(safetensorsFile("{ }", 0, { pad: false }))).toBe(true);
    expect(detect(new TextEncoder().encode('{"a": 1}     '))).toBe(false);
    expect(detect(safetensorsFile("[1,2]", 0))).toBe(false);
    expect(detect(safetensorsFile('{"a":1}', 0, { headerLength: 1n << 50n }))).toBe(false);
  });
});

describe("safetensors scanning", () => {
  it("finds nothing in well-formed files", async () => {
    const fixture = new Uint8Array(
      readFileSync(new URL("./testdata/benign.safetensors", import.meta.url)),
    );
    expect(await scan(fixture)).toEqual([]);
    const all = file(
      [
        ["a", "F32", [2, 3], 24],
        ["b", "BF16", [4], 8],
        ["c", "F4", [2, 3], 3],
        ["d", "F6_E2M3", [4], 3],
        ["e", "BOOL", [0], 0],
        ["f", "C64", [], 8],
      ],
      { __metadata__: { format: "pt" } },
    );
    expect(await scan(all)).toEqual([]);
  });

  it("flags a header length beyond the file or the 100 MB limit as high", async () => {
    const beyond = safetensorsFile({}, 0, { headerLength: 10_000n });
    const huge = safetensorsFile({}, 0, { headerLength: BigInt(MAX_HEADER + 1) });
    for (const bytes of [beyond, huge]) {
      const issues = await scan(bytes);
      expect(rules(issues)).toEqual(["safetensors.header-length"]);
      expect(issues[0]!.severity).toBe("high");
    }
  });

  it("flags headers that are not a UTF-8 JSON object", async () => {
    for (const header of ['{"a": ', "[1]", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])]) {
      const issues = await scan(safetensorsFile(header, 0));
      expect(rules(issues)).toEqual(["safetensors.header-invalid"]);
      expect(issues[0]!.severity).toBe("medium");
    }
    expect(rules(await scan(new Uint8Array(5)))).toEqual(["safetensors.header-invalid"]);
  });

  it("flags overlapping and out-of-range tensors as high", async () => {
    const overlap = safetensorsFile(
      {
        a: { dtype: "F32", shape: [4], data_offsets: [0, 16] },
        b: { dtype: "F32", shape: [4], data_offsets: [8, 24] },
      },
      24,
    );
    const overlapIssues = await scan(overlap);
    expect(rules(overlapIssues)).toEqual(["safetensors.tensor-overlap"]);
    expect(overlapIssues[0]!.severity).toBe("high");
    const outside = safetensorsFile(
      { a: { dtype: "F32", shape: [4], data_offsets: [0, 4096] } },
      16,
    );
    const outsideIssues = await scan(outside);
    expect(rules(outsideIssues)).toContain("safetensors.tensor-out-of-range");
    expect(outsideIssues.find((i) => i.rule === "safetensors.tensor-out-of-range")!.severity).toBe(
      "high",
    );
  });

  it("flags gaps, trailing bytes, size mismatches, unknown dtypes, bad entries and metadata", async () => {
    const gap = safetensorsFile(
      {
        a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
        b: { dtype: "F32", shape: [1], data_offsets: [8, 12] },
      },
      12,
    );
    expect(rules(await scan(gap))).toEqual(["safetensors.data-gap"]);
    expect(rules(await scan(file([["a", "F32", [2], 8]], {}, 100)))).toEqual([
      "safetensors.data-gap",
    ]);
    expect(rules(await scan(file([["a", "F32", [3], 8]])))).toEqual(["safetensors.size-mismatch"]);
    expect(rules(await scan(file([["a", "F5", [3], 8]])))).toEqual(["safetensors.unknown-dtype"]);
    expect(rules(await scan(file([["a", "F32", [2], 8]], { __metadata__: { n: 1 } })))).toEqual([
      "safetensors.bad-metadata",
    ]);
    const bad = safetensorsFile(
      {
        neg: { dtype: "F32", shape: [-1], data_offsets: [0, 0] },
        rev: { dtype: "F32", shape: [0], data_offsets: [4, 0] },
        str: "x",
        dt: { dtype: 5, shape: [], data_offsets: [0, 0] },
      },
      0,
    );
    const issues = await scan(bad);
    expect(rules(issues)).toEqual(["safetensors.bad-entry"]);
    expect(issues[0]!.evidence.count).toBe(4);
    expect(issues.every((i) => i.severity === "medium")).toBe(true);
  });

  it("fuzz: mutated headers never throw and only report safetensors rules", async () => {
    const base = file(
      [
        ["a", "F32", [2, 3], 24],
        ["b", "I64", [4], 32],
      ],
      { __metadata__: { format: "pt" } },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.nat(Math.min(base.length - 1, 140)), fc.integer({ min: 0, max: 255 })),
          { minLength: 1, maxLength: 5 },
        ),
        fc.nat(base.length),
        async (edits, cut) => {
          const bytes = base.slice(0, Math.max(cut, 1));
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          for (const issue of await scan(bytes)) expect(issue.rule).toMatch(/^safetensors\./);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
