import { describe, expect, it } from "vitest";
import { severityRank } from "../../core/index.js";
import { duplicates, exactGroups } from "./duplicates.js";
import {
  appendRows,
  plainContext,
  plantDuplicateFlood,
  syntheticInput,
} from "./testing/sources.js";

describe("duplicates", () => {
  it("is quiet on clean data, including data where duplicates are the norm", async () => {
    const shapes = [
      { features: 5 },
      { features: 20 },
      { features: 2, classes: 3 },
      { features: 3, integerScale: 1 },
      { features: 0, categoricalLevels: 8 },
      { features: 10, integerScale: 2, categoricalLevels: 4 },
    ];
    for (const [i, shape] of shapes.entries()) {
      const input = syntheticInput({ rows: 2000, sources: 5, seed: 20 + i, ...shape });
      const result = await duplicates.run(plainContext(input));
      for (const f of result.findings) expect(severityRank(f.severity)).toBeLessThanOrEqual(1);
    }
  });

  it("groups exact copies, treating -0 as 0", () => {
    const groups = exactGroups({
      X: new Float64Array([1, 0, 1, -0, 2, 0, 1, 0]),
      nRows: 4,
      nFeatures: 2,
    });
    expect(Array.from(groups)).toEqual([0, 0, 1, 0]);
  });

  it("raises an exact flood with a flipped label as high, and flags every copy", async () => {
    const clean = syntheticInput({ rows: 2000, features: 6, seed: 3 });
    const { input, rows } = plantDuplicateFlood(clean, {
      row: 17,
      copies: 40,
      label: 1 - clean.y[17]!,
      seed: 1,
    });
    const result = await duplicates.run(plainContext(input));
    expect(result.findings).toHaveLength(1);
    const finding = result.findings[0]!;
    expect(finding.severity).toBe("high");
    expect(finding.title).toMatch(/41 identical rows with conflicting labels/);
    expect(finding.evidence.exact).toBe(true);
    const flagged = new Set(result.flagged.map((f) => f.row));
    for (const row of [17, ...rows]) expect(flagged.has(row)).toBe(true);
    expect(result.flagged).toHaveLength(41);
  });

  it("finds a jittered near-duplicate flood and names its single source", async () => {
    const clean = syntheticInput({ rows: 3000, features: 8, sources: 12, seed: 5 });
    const { input, rows } = plantDuplicateFlood(clean, {
      row: 100,
      copies: 50,
      jitter: 0.01,
      source: 7,
      seed: 2,
    });
    const result = await duplicates.run(plainContext(input));
    const finding = result.findings.find((f) => f.severity === "high");
    expect(finding?.title).toMatch(/near-identical rows from source 'source7'/);
    const caught = rows.filter((r) => result.rowScores![r]! > 0).length;
    expect(caught).toBeGreaterThanOrEqual(45);
    expect(result.rowScores!.slice(0, clean.nRows).filter((s) => s > 0).length).toBeLessThanOrEqual(
      1,
    );
  });

  it("keeps a same-label flood from an unknown source at medium", async () => {
    const clean = syntheticInput({ rows: 1500, features: 4, seed: 9 });
    const { input } = plantDuplicateFlood(clean, { row: 3, copies: 30, seed: 1 });
    const result = await duplicates.run(plainContext(input));
    expect(result.findings.map((f) => f.severity)).toEqual(["medium"]);
  });

  it("reports identical rows with conflicting labels in otherwise unique data", async () => {
    const clean = syntheticInput({ rows: 1500, features: 6, seed: 11 });
    // Five rows copied once each with the other label: a quiet label-flip by replication.
    const picked = [1, 200, 400, 800, 1200];
    const X = new Float64Array(picked.length * 6);
    for (const [k, row] of picked.entries()) X.set(clean.X.subarray(row * 6, row * 6 + 6), k * 6);
    const y = Int32Array.from(picked.map((row) => 1 - clean.y[row]!));
    const input = appendRows(clean, { X, y });
    const result = await duplicates.run(plainContext(input));
    const finding = result.findings.find((f) => /conflicting labels/.test(f.title));
    expect(finding?.severity).toBe("medium");
    expect(result.flagged.map((f) => f.row).sort((a, b) => a - b)).toEqual(
      [...picked, 1500, 1501, 1502, 1503, 1504].sort((a, b) => a - b),
    );
    expect(result.flagged[0]!.reason).toMatch(/identical features/);
  });
});
