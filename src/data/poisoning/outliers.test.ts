import { describe, expect, it } from "vitest";
import { severityRank } from "../../core/index.js";
import { mulberry32, normal } from "../../learn/index.js";
import { outliers } from "./outliers.js";
import { appendRows, plainContext, syntheticInput } from "./testing/sources.js";
import { makeFraudData } from "./testing/synthetic.js";
import type { PoisoningInput } from "./types.js";

/** An injected cluster: `count` rows far outside the data, all labelled `label`, from `source`. */
function injectCluster(input: PoisoningInput, count: number, label: number, source: number) {
  const random = mulberry32(99);
  const X = new Float64Array(count * input.nFeatures);
  for (let i = 0; i < X.length; i++) X[i] = 7 + 0.5 * normal(random);
  const y = new Int32Array(count).fill(label);
  const poisoned = appendRows(input, { X, y, source });
  return { input: poisoned, rows: Array.from({ length: count }, (_, i) => input.nRows + i) };
}

describe("outliers", () => {
  it("stays at most low on clean data of several shapes", async () => {
    const shapes = [
      { features: 5 },
      { features: 20 },
      { features: 3, categoricalLevels: 6 },
      { features: 10, integerScale: 2 },
      { features: 2, classes: 3 },
    ];
    for (const [i, shape] of shapes.entries()) {
      const input = syntheticInput({ rows: 1500, sources: 8, seed: 10 + i, ...shape });
      const result = await outliers.run(plainContext(input));
      for (const f of result.findings) expect(severityRank(f.severity)).toBeLessThanOrEqual(1);
      expect(result.flagged.length).toBeLessThan(0.03 * input.nRows);
    }
  });

  it("stays low on clean imbalanced data, where the rare class is the natural outlier", async () => {
    for (const seed of [1, 2, 3]) {
      const data = makeFraudData({ rows: 20_000, fraudRate: 0.02, seed });
      const input: PoisoningInput = { ...data, asset: { kind: "dataset", id: "fraud" }, seed };
      const result = await outliers.run(plainContext(input));
      for (const f of result.findings) expect(severityRank(f.severity)).toBeLessThanOrEqual(1);
    }
  });

  it("flags an injected cluster sharing a label and a source, as medium", async () => {
    const clean = syntheticInput({ rows: 2000, features: 6, sources: 10, seed: 4 });
    const { input, rows } = injectCluster(clean, 30, 1, 3);
    const result = await outliers.run(plainContext(input));
    const flagged = new Set(result.flagged.map((f) => f.row));
    for (const row of rows) expect(flagged.has(row)).toBe(true);
    expect(result.findings).toHaveLength(1);
    const finding = result.findings[0]!;
    expect(finding.severity).toBe("medium");
    expect(finding.title).toMatch(/source 'source3'/);
    expect(finding.threats.map((t) => t.id)).toEqual(["AML.T0020", "ML02"]);
    expect(result.flagged[0]!.reason).toMatch(/isolation-forest score/);
    // Planted rows outscore every clean row.
    const minPlanted = Math.min(...rows.map((r) => result.rowScores![r]!));
    expect(result.rowScores!.slice(0, clean.nRows).every((s) => s < minPlanted)).toBe(true);
  });

  it("keeps scattered outliers low, and uses trusted data as the reference", async () => {
    const clean = syntheticInput({ rows: 1500, features: 5, trustedRows: 500, seed: 8 });
    const X = Float64Array.from(clean.X);
    // Three scattered gross errors with labels as they were: data-entry mistakes, not a cluster.
    const errors: [number, number][] = [
      [10, 9],
      [700, -9],
      [1400, 0],
    ];
    for (const [row, at] of errors) {
      for (let j = 0; j < 5; j++) X[row * 5 + j] = at + (row === 1400 ? (j % 2 ? 8 : -8) : 0);
    }
    const input = { ...clean, X };
    const result = await outliers.run(plainContext(input));
    expect(result.flagged.map((f) => f.row)).toEqual(expect.arrayContaining([10, 700, 1400]));
    expect(result.findings[0]!.severity).toBe("low");
    expect(result.findings[0]!.evidence.reference).toBe("trusted");
  });
});
