import { describe, expect, it } from "vitest";
import { binomialUpperTail, strongestConcentration } from "./outliersConcentration.js";

describe("binomialUpperTail", () => {
  // Reference: scipy.stats.binom.sf(k - 1, n, p) (scipy 1.10).
  it.each([
    [5, 10, 0.5, 0.623046875],
    [17, 17, 0.37, 4.564879408260351e-8],
    [30, 200, 0.05, 8.709270943980009e-8],
    [1, 1, 0.3, 0.3],
    [60, 100, 0.5, 0.02844396682049044],
    [300, 1000, 0.2, 3.811044687488515e-14],
  ])("P(X ≥ %i | n=%i, p=%f) matches scipy", (k, n, p, expected) => {
    expect(binomialUpperTail(k, n, p)).toBeCloseTo(expected, 12);
    expect(binomialUpperTail(k, n, p) / expected).toBeCloseTo(1, 8);
  });

  it("handles the edges", () => {
    expect(binomialUpperTail(0, 10, 0.5)).toBe(1);
    expect(binomialUpperTail(11, 10, 0.5)).toBe(0);
    expect(binomialUpperTail(3, 10, 0)).toBe(0);
  });
});

describe("strongestConcentration", () => {
  it("finds the over-represented code and corrects for the number of codes", () => {
    const codes = new Int32Array(1000).map((_, i) => i % 4);
    const rows = [0, 4, 8, 12, 16, 20, 24, 28, 1];
    const c = strongestConcentration(rows, codes, 4)!;
    expect(c.code).toBe(0);
    expect(c.count).toBe(8);
    expect(c.baseRate).toBe(0.25);
    expect(c.pvalue).toBeCloseTo(4 * binomialUpperTail(8, 9, 0.25), 15);
    expect(strongestConcentration([], codes, 4)).toBeUndefined();
  });
});
