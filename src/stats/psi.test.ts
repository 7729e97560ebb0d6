import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PSI_EPSILON, psi, psiFromCounts } from "./index.js";
import { generate, type SampleRecipe } from "./testdata/generate.js";

const fixtures = JSON.parse(
  readFileSync(new URL("./testdata/misc.json", import.meta.url), "utf8"),
) as {
  psi: {
    reference: SampleRecipe;
    current: SampleRecipe;
    bins: number;
    value: number;
    edges: number[];
    referenceCounts: number[];
    currentCounts: number[];
  }[];
};

describe("psi matches the numpy reference in make_fixtures.py", () => {
  it.each(fixtures.psi.map((c) => [`seed ${c.reference.seed}, ${c.bins} bins`, c]))(
    "%s",
    (_l, c) => {
      const result = psi(generate(c.reference), generate(c.current), { bins: c.bins });
      expect(result.edges).toEqual(c.edges);
      expect(result.bins.map((b) => b.referenceCount)).toEqual(c.referenceCounts);
      expect(result.bins.map((b) => b.currentCount)).toEqual(c.currentCounts);
      expect(Math.abs(result.value - c.value)).toBeLessThanOrEqual(1e-12 * Math.max(1, c.value));
    },
  );
});

describe("psi behaviour", () => {
  const reference = generate({
    seed: 9,
    n: 10_000,
    kind: "normal",
    shift: 0,
    scale: 1,
    roundTo: 0,
  });

  it("is near 0 for the same distribution and large for a shifted one", () => {
    const same = generate({ seed: 10, n: 10_000, kind: "normal", shift: 0, scale: 1, roundTo: 0 });
    const shifted = generate({
      seed: 11,
      n: 10_000,
      kind: "normal",
      shift: 0.5,
      scale: 1,
      roundTo: 0,
    });
    expect(psi(reference, same).value).toBeLessThan(0.01);
    expect(psi(reference, shifted).value).toBeGreaterThan(0.25);
  });

  it("uses open outer bins and floors empty bins at epsilon", () => {
    const far = Float64Array.from({ length: 100 }, () => 1e9);
    const result = psi(reference, far);
    expect(result.bins[0]!.lower).toBeNull();
    expect(result.bins.at(-1)!.upper).toBeNull();
    expect(result.bins.at(-1)!.currentCount).toBe(100);
    // Every other bin is empty in the current sample: (eps - 0.1) ln(eps / 0.1) each.
    const expected =
      9 * (PSI_EPSILON - 0.1) * Math.log(PSI_EPSILON / 0.1) + (1 - 0.1) * Math.log(1 / 0.1);
    expect(result.value).toBeCloseTo(expected, 2);
    expect(Number.isFinite(result.value)).toBe(true);
  });

  it("ignores NaN and collapses duplicate edges on discrete data", () => {
    const discrete = Float64Array.from({ length: 1000 }, (_, i) =>
      i % 3 === 0 ? Number.NaN : i % 2,
    );
    const result = psi(discrete, discrete);
    // Nine quantiles of a 0/1 sample: 0 (×4), 0.5 (interpolated at the median), 1 (×4).
    expect(result.edges).toEqual([0, 0.5, 1]);
    expect(result.value).toBe(0);
  });

  it("psiFromCounts works on aligned counts", () => {
    const result = psiFromCounts([50, 30, 20], [20, 30, 50]);
    expect(result.value).toBeCloseTo(2 * 0.3 * Math.log(0.5 / 0.2), 12);
    expect(result.bins.map((b) => b.lower)).toEqual([null, null, null]);
  });
});
