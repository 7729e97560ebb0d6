import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  benjaminiHochberg,
  holm,
  jensenShannon,
  wasserstein1d,
  zTestProportions,
} from "./index.js";
import { expectPvalue, expectRelative } from "./testdata/close.js";
import { generate, type SampleRecipe } from "./testdata/generate.js";

const fixtures = JSON.parse(
  readFileSync(new URL("./testdata/misc.json", import.meta.url), "utf8"),
) as {
  jensenShannon: { p: number[]; q: number[]; base: number | null; value: number }[];
  wasserstein: { a: SampleRecipe; b: SampleRecipe; value: number }[];
  zTest: { x1: number; n1: number; x2: number; n2: number; statistic: number; pvalue: number }[];
  multipleTesting: { pvalues: number[]; holm: number[]; bh: number[] }[];
};

describe("jensenShannon matches scipy.spatial.distance.jensenshannon", () => {
  it("on every fixture, natural log and base 2", () => {
    for (const c of fixtures.jensenShannon) {
      expectRelative(
        jensenShannon(c.p, c.q, c.base ?? undefined),
        c.value,
        1e-12,
        JSON.stringify(c),
      );
    }
  });

  it("is 0 for equal distributions and at most 1 in base 2", () => {
    expect(jensenShannon([1, 2, 3], [2, 4, 6])).toBe(0);
    expect(jensenShannon([1, 0], [0, 1], 2)).toBeCloseTo(1, 12);
  });
});

describe("wasserstein1d matches scipy.stats.wasserstein_distance", () => {
  it("on every fixture", () => {
    for (const c of fixtures.wasserstein) {
      expectRelative(wasserstein1d(generate(c.a), generate(c.b)), c.value, 1e-10);
    }
  });

  it("equals the shift between a sample and its translate", () => {
    const a = generate({ seed: 3, n: 1000, kind: "normal", shift: 0, scale: 1, roundTo: 0 });
    expect(
      wasserstein1d(
        a,
        a.map((x) => x + 2.5),
      ),
    ).toBeCloseTo(2.5, 10);
  });
});

describe("zTestProportions matches statsmodels proportions_ztest (pooled)", () => {
  it("on every fixture", () => {
    for (const c of fixtures.zTest) {
      const result = zTestProportions(c.x1, c.n1, c.x2, c.n2);
      expectRelative(result.statistic, c.statistic, 1e-12);
      expectPvalue(result.pvalue, c.pvalue);
    }
  });

  it("returns z = 0, p = 1 when both samples are all failures", () => {
    expect(zTestProportions(0, 10, 0, 20)).toEqual({ statistic: 0, pvalue: 1 });
    expect(() => zTestProportions(11, 10, 0, 20)).toThrow(/successes/);
  });
});

describe("holm and benjaminiHochberg match statsmodels multipletests", () => {
  it("on every fixture", () => {
    for (const c of fixtures.multipleTesting) {
      const h = holm(c.pvalues);
      const bh = benjaminiHochberg(c.pvalues);
      for (let i = 0; i < h.length; i++) {
        expectRelative(h[i]!, c.holm[i]!, 1e-14);
        expectRelative(bh[i]!, c.bh[i]!, 1e-14);
      }
    }
  });

  it("are never below the raw p-values, at most 1, and monotone in the raw p-values", () => {
    const pvalues = fc.array(
      fc.oneof(fc.constant(0), fc.double({ min: 1e-300, max: 1, noNaN: true })),
      {
        minLength: 1,
        maxLength: 40,
      },
    );
    fc.assert(
      fc.property(pvalues, (raw) => {
        for (const adjusted of [holm(raw), benjaminiHochberg(raw)]) {
          const order = raw.map((_, i) => i).sort((a, b) => raw[a]! - raw[b]!);
          for (let k = 0; k < raw.length; k++) {
            expect(adjusted[k]!).toBeGreaterThanOrEqual(raw[k]!);
            expect(adjusted[k]!).toBeLessThanOrEqual(1);
          }
          for (let k = 1; k < order.length; k++) {
            expect(adjusted[order[k]!]!).toBeGreaterThanOrEqual(adjusted[order[k - 1]!]!);
          }
        }
        // Holm controls the family-wise error rate: it is never less strict than BH.
        const h = holm(raw);
        const q = benjaminiHochberg(raw);
        for (let i = 0; i < raw.length; i++) {
          // (up to rounding: m·p and p / (1/m) may differ in the last bit)
          expect(h[i]!).toBeGreaterThanOrEqual(q[i]! * (1 - 1e-12));
        }
      }),
    );
  });

  it("leaves NaN in place and out of the count", () => {
    expect(holm([0.01, Number.NaN, 0.02])).toEqual([0.02, Number.NaN, 0.02]);
  });
});
