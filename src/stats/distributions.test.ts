import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { chiSquareCdf, chiSquareSf, logGamma, normalCdf, normalPpf, normalSf } from "./index.js";
import { expectRelative } from "./testdata/close.js";

const fixtures = JSON.parse(
  readFileSync(new URL("./testdata/distributions.json", import.meta.url), "utf8"),
) as {
  normal: { x: number; cdf: number; sf: number }[];
  ppf: { p: number; x: number }[];
  chi2: { x: number; dof: number; sf: number; cdf: number }[];
  gammaln: { x: number; value: number }[];
};

describe("distributions match scipy to a relative 1e-10, tails included", () => {
  it("normal cdf and sf (scipy.stats.norm) down to 1e-300", () => {
    for (const { x, cdf, sf } of fixtures.normal) {
      expectRelative(normalCdf(x), cdf, 1e-10, `cdf(${x})`);
      expectRelative(normalSf(x), sf, 1e-10, `sf(${x})`);
    }
  });

  it("normal ppf (scipy.stats.norm.ppf), and ppf inverts cdf", () => {
    for (const { p, x } of fixtures.ppf) expectRelative(normalPpf(p), x, 1e-10, `ppf(${p})`);
    for (const x of [-30, -5, -1, 0.5, 4]) expectRelative(normalPpf(normalCdf(x)), x, 1e-9);
    expect(normalPpf(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalPpf(1)).toBe(Number.POSITIVE_INFINITY);
    expect(normalPpf(1.5)).toBeNaN();
  });

  it("chi-square sf and cdf (scipy.stats.chi2), large dof included", () => {
    for (const { x, dof, sf, cdf } of fixtures.chi2) {
      expectRelative(chiSquareSf(x, dof), sf, 1e-10, `sf(${x}, ${dof})`);
      expectRelative(chiSquareCdf(x, dof), cdf, 1e-10, `cdf(${x}, ${dof})`);
    }
  });

  it("log-gamma (scipy.special.gammaln)", () => {
    for (const { x, value } of fixtures.gammaln) {
      expect(Math.abs(logGamma(x) - value), `gammaln(${x})`).toBeLessThanOrEqual(
        1e-13 * Math.max(1, Math.abs(value)),
      );
    }
  });
});
