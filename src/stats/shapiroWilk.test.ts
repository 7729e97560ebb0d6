import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { shapiroWilk } from "./index.js";
import { expectPvalue } from "./testdata/close.js";
import { generate, type SampleRecipe } from "./testdata/generate.js";

const fixtures = JSON.parse(
  readFileSync(new URL("./testdata/misc.json", import.meta.url), "utf8"),
) as {
  shapiro: { sample: SampleRecipe; statistic: number; pvalue: number }[];
};

describe("shapiroWilk matches scipy.stats.shapiro (AS R94, single precision)", () => {
  it.each(fixtures.shapiro.map((c) => [`n=${c.sample.n} ${c.sample.kind}`, c]))("%s", (_l, c) => {
    const result = shapiroWilk(generate(c.sample));
    expect(Math.abs(result.statistic - c.statistic)).toBeLessThanOrEqual(1e-6);
    expectPvalue(result.pvalue, c.pvalue);
  });

  it("covers n = 3 … 5000, normal and skewed", () => {
    const ns = fixtures.shapiro.map((c) => c.sample.n);
    expect(Math.min(...ns)).toBe(3);
    expect(Math.max(...ns)).toBe(5000);
  });
});

describe("shapiroWilk behaviour", () => {
  it("rejects a skewed sample and accepts a near-normal one", () => {
    const normal = generate({ seed: 5, n: 300, kind: "normal12", shift: 0, scale: 1, roundTo: 0 });
    const skewed = generate({ seed: 6, n: 300, kind: "skew", shift: 0, scale: 1, roundTo: 0 });
    expect(shapiroWilk(normal).pvalue).toBeGreaterThan(0.05);
    expect(shapiroWilk(skewed).pvalue).toBeLessThan(1e-6);
  });

  it("returns W = 1, p = 1 on a constant sample and refuses fewer than 3 values", () => {
    expect(shapiroWilk([2, 2, 2, 2])).toEqual({ statistic: 1, pvalue: 1 });
    expect(() => shapiroWilk([1, Number.NaN, 2])).toThrow(/at least 3/);
  });
});
