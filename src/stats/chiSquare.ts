/**
 * Pearson's chi-square tests.
 *
 * - `chiSquareContingency`: test of independence on an r×c table of counts, like
 *   scipy.stats.chi2_contingency(counts) with its defaults: expected counts from the margins,
 *   dof = (r-1)(c-1), and Yates' continuity correction when dof = 1 (`correction: true`, scipy's
 *   default). Unlike scipy, rows and columns that are all zero are dropped first (scipy raises on
 *   the zero expected count they cause): a category seen in neither sample says nothing about
 *   independence, and drift checks meet such categories all the time.
 * - `chiSquareGoodnessOfFit`: scipy.stats.chisquare(observed, expected, ddof): expected defaults
 *   to the uniform mean, and like scipy the two totals must agree to a relative 1e-8.
 */
import { RampartError } from "../core/index.js";
import { chiSquareSf } from "./distributions.js";

export interface ChiSquareResult {
  statistic: number;
  pvalue: number;
  dof: number;
}

export interface ContingencyResult extends ChiSquareResult {
  /** Expected counts under independence, for the rows and columns kept. */
  expected: number[][];
  /** Indices of the input rows / columns kept (all-zero ones are dropped). */
  rows: number[];
  columns: number[];
}

function checkCount(value: number, where: string): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RampartError("E_DATA", `chi-square: ${where} must be a finite count >= 0`, {
      details: { value },
    });
  }
}

/** Chi-square test of independence (scipy.stats.chi2_contingency). */
export function chiSquareContingency(
  counts: number[][],
  options: { correction?: boolean } = {},
): ContingencyResult {
  const correction = options.correction ?? true;
  const nCols = counts[0]?.length ?? 0;
  for (const [r, row] of counts.entries()) {
    if (row.length !== nCols) {
      throw new RampartError("E_DATA", "chi-square: every row of the table needs the same length", {
        details: { row: r, length: row.length, expected: nCols },
      });
    }
    for (const value of row) checkCount(value, "every cell");
  }
  const rowSums = counts.map((row) => row.reduce((a, b) => a + b, 0));
  const colSums = Array.from({ length: nCols }, (_, c) =>
    counts.reduce((sum, row) => sum + row[c]!, 0),
  );
  const rows = rowSums.flatMap((s, i) => (s > 0 ? [i] : []));
  const columns = colSums.flatMap((s, i) => (s > 0 ? [i] : []));
  const total = rows.reduce((sum, r) => sum + rowSums[r]!, 0);
  const expected = rows.map((r) => columns.map((c) => (rowSums[r]! * colSums[c]!) / total));
  const dof = rows.length < 2 || columns.length < 2 ? 0 : (rows.length - 1) * (columns.length - 1);
  if (dof === 0) return { statistic: 0, pvalue: 1, dof, expected, rows, columns };

  let statistic = 0;
  for (const [ri, r] of rows.entries()) {
    for (const [ci, c] of columns.entries()) {
      const e = expected[ri]![ci]!;
      let o = counts[r]![c]!;
      if (dof === 1 && correction) {
        // Yates: move each observed count up to 0.5 towards its expectation.
        const diff = e - o;
        o += Math.sign(diff) * Math.min(0.5, Math.abs(diff));
      }
      statistic += ((o - e) * (o - e)) / e;
    }
  }
  return { statistic, pvalue: chiSquareSf(statistic, dof), dof, expected, rows, columns };
}

/** One-way chi-square goodness-of-fit test (scipy.stats.chisquare). */
export function chiSquareGoodnessOfFit(
  observed: ArrayLike<number>,
  expected?: ArrayLike<number>,
  options: { ddof?: number } = {},
): ChiSquareResult {
  const k = observed.length;
  if (k === 0) throw new RampartError("E_DATA", "chi-square: no categories to test");
  let observedSum = 0;
  for (let i = 0; i < k; i++) {
    checkCount(observed[i]!, "observed counts");
    observedSum += observed[i]!;
  }
  let expectedAt: (i: number) => number;
  if (expected === undefined) {
    const mean = observedSum / k;
    expectedAt = () => mean;
  } else {
    if (expected.length !== k) {
      throw new RampartError("E_DATA", "chi-square: observed and expected differ in length", {
        details: { observed: k, expected: expected.length },
      });
    }
    let expectedSum = 0;
    for (let i = 0; i < k; i++) {
      checkCount(expected[i]!, "expected counts");
      expectedSum += expected[i]!;
    }
    const relativeDiff = Math.abs(observedSum - expectedSum) / Math.min(observedSum, expectedSum);
    if (relativeDiff > 1e-8) {
      throw new RampartError(
        "E_DATA",
        "chi-square: observed and expected counts must have the same total",
        {
          hint: "scale the expected proportions to the observed total, or compare two samples with chiSquareContingency",
          details: { observedSum, expectedSum },
        },
      );
    }
    expectedAt = (i) => expected[i]!;
  }
  let statistic = 0;
  for (let i = 0; i < k; i++) {
    const o = observed[i]!;
    const e = expectedAt(i);
    statistic += ((o - e) * (o - e)) / e;
  }
  const dof = k - 1 - (options.ddof ?? 0);
  return { statistic, pvalue: dof > 0 ? chiSquareSf(statistic, dof) : Number.NaN, dof };
}
