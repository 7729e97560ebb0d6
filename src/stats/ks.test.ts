import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isRampartError } from "../core/index.js";
import { type KsMethod, kolmogorovSf, ks2samp, smirnovSf } from "./index.js";
import { expectPvalue, expectRelative } from "./testdata/close.js";
import { generate, type SampleRecipe } from "./testdata/generate.js";

interface KsCase {
  a: SampleRecipe;
  b: SampleRecipe;
  method: KsMethod;
  statistic: number;
  pvalue: number;
  expectedMethod: "exact" | "asymp";
}
const fixtures = JSON.parse(
  readFileSync(new URL("./testdata/ks.json", import.meta.url), "utf8"),
) as {
  cases: KsCase[];
  kstwo: { n: number; d: number; sf: number; smirnov: number }[];
};

describe("ks2samp matches scipy.stats.ks_2samp", () => {
  it.each(fixtures.cases.map((c) => [`${c.a.n} vs ${c.b.n} ${c.method} (seed ${c.a.seed})`, c]))(
    "%s",
    (_label, c) => {
      const result = ks2samp(generate(c.a), generate(c.b), { method: c.method });
      expectRelative(result.statistic, c.statistic, 1e-12, "statistic");
      expectPvalue(result.pvalue, c.pvalue);
      expect(result.method).toBe(c.expectedMethod);
    },
  );

  it("covers both sides of the exact/asymptotic switch and tiny p-values", () => {
    const sizes = fixtures.cases.map((c) => Math.max(c.a.n, c.b.n));
    expect(sizes).toContain(10_000);
    expect(sizes).toContain(10_001);
    expect(fixtures.cases.some((c) => c.pvalue < 1e-30)).toBe(true);
  });
});

describe("kolmogorovSf matches scipy.stats.kstwo.sf (and smirnovSf scipy.special.smirnov)", () => {
  it("across every branch of Simard and L'Ecuyer's scheme", () => {
    for (const { n, d, sf, smirnov } of fixtures.kstwo) {
      expectPvalue(kolmogorovSf(n, d), sf, `kstwo n=${n} d=${d}`);
      expectPvalue(smirnovSf(n, d), smirnov, `smirnov n=${n} d=${d}`);
    }
  });
});

describe("ks2samp behaviour", () => {
  const sample = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), {
    minLength: 1,
    maxLength: 60,
  });

  it("has a statistic in [0, 1] and a p-value in [0, 1], symmetric in its arguments", () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const ab = ks2samp(Float64Array.from(a), Float64Array.from(b));
        const ba = ks2samp(Float64Array.from(b), Float64Array.from(a));
        expect(ab.statistic).toBeGreaterThanOrEqual(0);
        expect(ab.statistic).toBeLessThanOrEqual(1);
        expect(ab.pvalue).toBeGreaterThanOrEqual(0);
        expect(ab.pvalue).toBeLessThanOrEqual(1);
        expect(ba.statistic).toBe(ab.statistic);
        expect(ba.pvalue).toBeCloseTo(ab.pvalue, 12);
      }),
      { numRuns: 200 },
    );
  });

  it("gives D = 0 and p = 1 for a sample against itself", () => {
    fc.assert(
      fc.property(sample, (a) => {
        const result = ks2samp(Float64Array.from(a), Float64Array.from(a));
        expect(result.statistic).toBe(0);
        expect(result.pvalue).toBe(1);
      }),
    );
  });

  it("flags a shifted batch and stays quiet on a fresh draw of the same distribution", () => {
    const reference = generate({
      seed: 1,
      n: 20_000,
      kind: "normal",
      shift: 0,
      scale: 1,
      roundTo: 0,
    });
    const clean = generate({ seed: 2, n: 20_000, kind: "normal", shift: 0, scale: 1, roundTo: 0 });
    const drifted = generate({
      seed: 3,
      n: 20_000,
      kind: "normal",
      shift: 0.05,
      scale: 1,
      roundTo: 0,
    });
    expect(ks2samp(reference, clean).pvalue).toBeGreaterThan(0.05);
    expect(ks2samp(reference, drifted).pvalue).toBeLessThan(1e-6);
  });

  it("drops NaN (null) values and refuses an empty sample", () => {
    const a = Float64Array.from([1, 2, Number.NaN, 3]);
    const b = Float64Array.from([1, 2, 3]);
    expect(ks2samp(a, b)).toMatchObject({ statistic: 0, pvalue: 1 });
    try {
      ks2samp(Float64Array.from([Number.NaN]), b);
      expect.unreachable();
    } catch (error) {
      expect(isRampartError(error) && error.code).toBe("E_DATA");
    }
  });
});
