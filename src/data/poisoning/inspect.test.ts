import { describe, expect, it } from "vitest";
import { fitLogisticRegression } from "../../learn/index.js";
import { inspectPoisoning, selectDetectors } from "./index.js";
import { knnDisagreement } from "./knnDisagreement.js";
import { labelNoise } from "./labelNoise.js";
import { perSource } from "./perSource.js";
import { targetedFlips } from "./targetedFlips.js";
import { assignContributors, flipContributorLabels, loadFixture } from "./testing/index.js";

const cancer = loadFixture("breast_cancer");
const asset = { kind: "dataset" as const, id: "cancer" };

describe("inspectPoisoning", () => {
  it("merges detectors: every row once, union of flags, max score, reasons, sources ranked", async () => {
    const sources = assignContributors(cancer.nRows, 6, 1);
    const attack = flipContributorLabels(cancer.y, 2, sources.codes, 2, 0.4, 2);
    const report = await inspectPoisoning(
      { ...cancer, y: attack.y, asset, seed: 3, sources },
      {
        detectors: [labelNoise, targetedFlips, knnDisagreement, perSource],
        fit: fitLogisticRegression,
      },
    );
    expect(report.rows).toHaveLength(cancer.nRows);
    expect(report.rows.map((r) => r.row)).toEqual(
      Array.from({ length: cancer.nRows }, (_, i) => i),
    );
    const flaggedRows = new Set([...Object.values(report.flaggedBy).flat()]);
    for (const row of report.rows) {
      expect(row.flagged).toBe(flaggedRows.has(row.row));
      if (row.flagged) {
        expect(row.score).toBeGreaterThanOrEqual(0.5);
        expect(row.reasons.length).toBeGreaterThan(0);
        expect(row.reasons[0]).toMatch(/^(labelNoise|targetedFlips|knnDisagreement|perSource): /);
      } else expect(row.reasons).toEqual([]);
    }
    const caught = report.rows.filter((r) => r.flagged && attack.poisoned[r.row]).length;
    const poisoned = attack.poisoned.reduce((a, b) => a + b, 0);
    expect(caught / poisoned).toBeGreaterThan(0.8);
    expect(report.sources).toHaveLength(6);
    expect(report.sources[0]!.source).toBe("contributor-03");
    expect(report.detectors.map((d) => [d.name, d.ran])).toEqual([
      ["labelNoise", true],
      ["targetedFlips", true],
      ["knnDisagreement", true],
      ["perSource", true],
    ]);
  });

  it("says why a detector did not run, and is deterministic for a seed", async () => {
    const run = () =>
      inspectPoisoning(
        { ...cancer, asset, seed: 1 },
        { detectors: [labelNoise, perSource], fit: fitLogisticRegression },
      );
    const a = await run();
    const b = await run();
    expect(a.detectors[1]).toMatchObject({ name: "perSource", ran: false });
    expect(a.detectors[1]!.skipped).toMatch(/source column/);
    expect(a.rows).toEqual(b.rows);
    expect(a.sources).toEqual([]);
  });

  it("refuses an unknown detector name", () => {
    expect(() => selectDetectors(["labelNoise", "astrology"])).toThrow(/no poisoning detector/);
    expect(selectDetectors(["targetedFlips"]).map((d) => d.name)).toEqual(["targetedFlips"]);
  });
});
