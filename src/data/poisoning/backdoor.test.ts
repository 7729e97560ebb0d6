import { describe, expect, it } from "vitest";
import { rocAuc } from "../../learn/index.js";
import { readFixtureCsv } from "../../learn/testing.js";
import { backdoor } from "./backdoor.js";
import { maskOf, plainContext, plantBackdoor, syntheticInput } from "./testing/sources.js";
import type { PoisoningInput } from "./types.js";

function fixture(name: "digits" | "breast_cancer", seed = 1): PoisoningInput {
  const t = readFixtureCsv(name);
  return {
    X: t.X,
    nRows: t.nRows,
    nFeatures: t.nFeatures,
    featureNames: t.featureNames,
    y: t.y,
    classes: Array.from({ length: t.nClasses }, (_, k) => String(k)),
    asset: { kind: "dataset", id: name },
    seed,
  };
}

async function attack(
  clean: PoisoningInput,
  trigger: { feature: number; value: number }[],
  fraction = 0.01,
) {
  const { input, rows } = plantBackdoor(clean, { fraction, trigger, target: 0, seed: 5 });
  const result = await backdoor.run(plainContext(input));
  return { result, rows, auc: rocAuc(result.rowScores!, maskOf(rows, input.nRows)) };
}

describe("backdoor", () => {
  it("is quiet on clean data with naturally repeated values", async () => {
    const inputs = [
      fixture("digits", 1),
      fixture("digits", 2),
      fixture("breast_cancer"),
      syntheticInput({ rows: 3000, features: 10, integerScale: 2, seed: 1 }),
      syntheticInput({ rows: 3000, features: 3, integerScale: 1, classes: 3, seed: 2 }),
      syntheticInput({ rows: 2000, features: 4, categoricalLevels: 8, rareLevels: 2, seed: 3 }),
    ];
    for (const input of inputs) {
      const result = await backdoor.run(plainContext(input));
      expect(result.findings, input.asset.id).toEqual([]);
      expect(result.flagged).toEqual([]);
    }
  });

  it("finds a one-feature trigger on 1% of rows (AUROC ≥ 0.95) and names it", async () => {
    const clean = syntheticInput({ rows: 3000, features: 8, seed: 11 });
    const { result, auc } = await attack(clean, [{ feature: 2, value: 3.25 }]);
    expect(auc).toBeGreaterThanOrEqual(0.95);
    expect(result.findings).toHaveLength(1);
    const finding = result.findings[0]!;
    expect(finding.severity).toBe("high");
    expect(finding.evidence.trigger).toEqual([{ feature: "f2", value: 3.25 }]);
    expect(finding.evidence.targetLabel).toBe("class0");
    expect(finding.threats.map((t) => t.id)).toEqual(["AML.T0020", "AML.T0018.000", "ML02"]);
    expect(result.flagged[0]!.reason).toMatch(/carries the trigger f2 = 3.25/);
  });

  it("names a two-feature trigger whole, on integer data", async () => {
    const clean = syntheticInput({
      rows: 3000,
      features: 6,
      integerScale: 2,
      classes: 3,
      seed: 12,
    });
    const { result, auc } = await attack(clean, [
      { feature: 1, value: 9 },
      { feature: 4, value: -9 },
    ]);
    expect(auc).toBeGreaterThanOrEqual(0.95);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.evidence.trigger).toEqual([
      { feature: "f1", value: 9 },
      { feature: "f4", value: -9 },
    ]);
  });

  it("finds a trigger on a rare one-hot category", async () => {
    const clean = syntheticInput({
      rows: 3000,
      features: 6,
      categoricalLevels: 10,
      rareLevels: 2,
      classes: 3,
      seed: 13,
    });
    const { result, auc } = await attack(clean, [{ feature: clean.nFeatures - 2, value: 1 }]);
    expect(auc).toBeGreaterThanOrEqual(0.95);
    expect(result.findings[0]!.title).toMatch(/cat=v8 marks/);
  });

  it("finds corner-pixel triggers planted in digits", async () => {
    const { result, auc } = await attack(fixture("digits"), [
      { feature: 0, value: 16 },
      { feature: 7, value: 16 },
    ]);
    expect(auc).toBeGreaterThanOrEqual(0.95);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.evidence.trigger).toEqual([
      { feature: "px0", value: 16 },
      { feature: "px7", value: 16 },
    ]);
  });

  it("finds a conjunction of two values that are each common among clean rows", async () => {
    // f0 = 3 and f3 = -4 are each carried by ~3.5% of clean rows, all 'class1'; the poison sets
    // both on 2% of rows and labels them 'class0', so neither value alone is pure.
    const clean = syntheticInput({ rows: 4000, features: 6, integerScale: 1, seed: 14 });
    const { result, auc } = await attack(
      clean,
      [
        { feature: 0, value: 3 },
        { feature: 3, value: -4 },
      ],
      0.02,
    );
    expect(auc).toBeGreaterThanOrEqual(0.9);
    expect(result.findings[0]!.evidence.trigger).toEqual([
      { feature: "f0", value: 3 },
      { feature: "f3", value: -4 },
    ]);
  });
});
