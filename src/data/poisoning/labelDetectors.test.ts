import { describe, expect, it } from "vitest";
import { atLeast } from "../../core/index.js";
import { fitLogisticRegression, precisionRecallF1 } from "../../learn/index.js";
import { createPoisoningContext } from "./context.js";
import { knnDisagreement } from "./knnDisagreement.js";
import { confidentLearning, labelNoise } from "./labelNoise.js";
import { targetedFlips } from "./targetedFlips.js";
import {
  flipRandomLabels,
  flipTargetedLabels,
  loadFixture,
  makeFraudData,
} from "./testing/index.js";
import type { DetectorResult, LabelledData, PoisoningInput } from "./types.js";

const asset = { kind: "dataset" as const, id: "test" };
const inputOf = (data: LabelledData, y: Int32Array = data.y): PoisoningInput => ({
  ...data,
  y,
  asset,
  seed: 1,
});
const mask = (result: DetectorResult, n: number): Uint8Array => {
  const m = new Uint8Array(n);
  for (const f of result.flagged) m[f.row] = 1;
  return m;
};
const maxSeverityAboveLow = (result: DetectorResult) =>
  result.findings.some((f) => atLeast(f.severity, "medium"));

const cancer = loadFixture("breast_cancer");

describe("confident learning", () => {
  it("computes thresholds, the confident joint and prunes off-diagonal rows", () => {
    // 3 rows labelled 0, 3 labelled 1; row 2 is labelled 0 but looks like a 1.
    const proba = Float64Array.from([0.9, 0.1, 0.8, 0.2, 0.1, 0.9, 0.2, 0.8, 0.3, 0.7, 0.1, 0.9]);
    const y = Int32Array.from([0, 0, 0, 1, 1, 1]);
    const cl = confidentLearning(proba, y, 2);
    expect(cl.thresholds[0]).toBeCloseTo((0.9 + 0.8 + 0.1) / 3, 12);
    expect(cl.thresholds[1]).toBeCloseTo((0.8 + 0.7 + 0.9) / 3, 12);
    // Row 4 (labelled 1, p = 0.7) reaches neither threshold, so it is not counted.
    expect(Array.from(cl.joint)).toEqual([2, 1, 0, 2]);
    expect(Array.from(cl.issues)).toEqual([0, 0, 1, 0, 0, 0]);
    expect(cl.likely[2]).toBe(1);
  });
});

describe("labelNoise", () => {
  it("finds 10% random flips on breast_cancer and raises a high finding", async () => {
    const attack = flipRandomLabels(cancer.y, 2, 0.1, 3);
    const context = createPoisoningContext(inputOf(cancer, attack.y));
    const result = await labelNoise.run(context);
    const score = precisionRecallF1(mask(result, cancer.nRows), attack.poisoned);
    expect(score.f1).toBeGreaterThan(0.85);
    expect(result.findings[0]!.severity).toBe("high");
    expect(result.findings[0]!.threats.map((t) => t.id)).toEqual(["AML.T0020", "ML02"]);
    const flag = result.flagged.find((f) => attack.poisoned[f.row])!;
    expect(flag.reason).toMatch(/^labelled '[01]', \d+% of out-of-fold probability says '[01]'$/);
    for (const f of result.flagged) expect(result.rowScores![f.row]).toBeGreaterThanOrEqual(0.5);
  });

  it("stays at or below low on the clean data", async () => {
    const result = await labelNoise.run(createPoisoningContext(inputOf(cancer)));
    expect(maxSeverityAboveLow(result)).toBe(false);
    expect(result.flagged.length).toBeLessThan(0.03 * cancer.nRows);
  });
});

describe("targetedFlips", () => {
  // 8,000 transactions, 2% fraud, 30% of the fraud relabelled legit. LR surrogate: fast.
  const fraud = makeFraudData({ rows: 8000, fraudRate: 0.02, seed: 11 });
  const options = { fit: fitLogisticRegression };

  it("finds fraud relabelled legit where confident learning misses most of it", async () => {
    const attack = flipTargetedLabels(fraud.y, 1, 0, 0.3, 12);
    const context = createPoisoningContext(inputOf(fraud, attack.y), options);
    const targeted = await targetedFlips.run(context);
    const cl = await labelNoise.run(context);
    const ours = precisionRecallF1(mask(targeted, fraud.nRows), attack.poisoned);
    const confident = precisionRecallF1(mask(cl, fraud.nRows), attack.poisoned);
    expect(ours.recall).toBeGreaterThan(confident.recall + 0.1);
    expect(ours.f1).toBeGreaterThan(confident.f1);
    expect(ours.f1).toBeGreaterThan(0.7);
    const finding = targeted.findings[0]!;
    expect(finding.evidence).toMatchObject({ sourceClass: "fraud", targetClass: "legit" });
    expect(finding.evidence.estimatedFlipRate as number).toBeGreaterThan(0.2);
    expect(finding.severity).toBe("high");
    expect(finding.threats.map((t) => t.id)).toContain("ML08");
    expect(targeted.flagged[0]!.reason).toMatch(/labelled 'legit', \d+% .* says 'fraud'/);
  });

  it("stays quiet on the clean data", async () => {
    const context = createPoisoningContext(inputOf(fraud), options);
    const result = await targetedFlips.run(context);
    expect(result.findings).toEqual([]);
    expect(result.flagged).toEqual([]);
    expect(Math.max(...result.rowScores!)).toBeLessThan(0.5);
  });

  it("does not mistake symmetric noise for a targeted flip on many classes", async () => {
    const digits = loadFixture("digits");
    const attack = flipRandomLabels(digits.y, 10, 0.1, 4);
    const context = createPoisoningContext(inputOf(digits, attack.y), {
      fit: fitLogisticRegression,
      refine: false,
      folds: 3,
    });
    const result = await targetedFlips.run(context);
    expect(result.findings).toEqual([]);
  });
});

describe("knnDisagreement", () => {
  it("flags flipped rows with high precision and stays quiet on clean data", async () => {
    const attack = flipRandomLabels(cancer.y, 2, 0.1, 5);
    const noisy = await knnDisagreement.run(createPoisoningContext(inputOf(cancer, attack.y)));
    const score = precisionRecallF1(mask(noisy, cancer.nRows), attack.poisoned);
    expect(score.precision).toBeGreaterThan(0.8);
    expect(score.recall).toBeGreaterThan(0.3);
    expect(noisy.flagged[0]!.reason).toMatch(/of its 10 nearest neighbours are/);
    const clean = await knnDisagreement.run(createPoisoningContext(inputOf(cancer)));
    expect(maxSeverityAboveLow(clean)).toBe(false);
  });

  it("does not flag a rare class for being surrounded by the common one", async () => {
    const fraud = makeFraudData({ rows: 3000, seed: 2 });
    const result = await knnDisagreement.run(createPoisoningContext(inputOf(fraud)));
    const fraudFlagged = result.flagged.filter((f) => fraud.y[f.row] === 1).length;
    expect(fraudFlagged).toBe(0);
  });
});
