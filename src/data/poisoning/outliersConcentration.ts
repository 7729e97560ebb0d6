/**
 * Does a set of suspicious rows concentrate in one label or one source more than chance allows?
 * Shared by outliers, duplicates and backdoor: a lone odd row is noise, a cluster of odd rows that
 * share a label or a contributor is what poisoning looks like.
 *
 * The test is the exact one-sided binomial test (scipy.stats.binomtest(k, n, p,
 * alternative="greater")): k of the n suspicious rows carry the code whose base rate is p. Taking
 * the best of m codes is corrected with Bonferroni (× m).
 */
import { logGamma } from "../../stats/index.js";

/** P(X ≥ k) for X ~ Binomial(n, p), summed from the mode side in log space (no underflow). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  let logTerm = logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * logP + (n - k) * logQ;
  let sum = 0;
  const ratio = p / (1 - p);
  for (let i = k; i <= n; i++) {
    const term = Math.exp(logTerm);
    sum += term;
    // Past the mode the terms only shrink: stop when they no longer matter.
    if (i > n * p && term < sum * 1e-17) break;
    logTerm += Math.log(((n - i) / (i + 1)) * ratio);
  }
  return Math.min(1, sum);
}

export interface Concentration {
  /** The code (label index, source index) most over-represented among the rows. */
  code: number;
  /** Rows in the set carrying it. */
  count: number;
  /** count / rows in the set. */
  share: number;
  /** Its share in the whole dataset. */
  baseRate: number;
  /** Bonferroni-corrected one-sided binomial p-value. */
  pvalue: number;
}

/**
 * The code most over-represented among `rows`, judged by the binomial test against each code's
 * share of all `codes` (codes < 0 are ignored, as unknown).
 */
export function strongestConcentration(
  rows: ArrayLike<number>,
  codes: Int32Array,
  nCodes: number,
): Concentration | undefined {
  if (rows.length === 0 || nCodes < 2) return undefined;
  const total = new Float64Array(nCodes);
  let known = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c >= 0) {
      total[c]!++;
      known++;
    }
  }
  const inSet = new Float64Array(nCodes);
  let setKnown = 0;
  for (let i = 0; i < rows.length; i++) {
    const c = codes[rows[i]!]!;
    if (c >= 0) {
      inSet[c]!++;
      setKnown++;
    }
  }
  if (setKnown === 0 || known === 0) return undefined;
  let best: Concentration | undefined;
  for (let c = 0; c < nCodes; c++) {
    if (inSet[c]! === 0) continue;
    const baseRate = total[c]! / known;
    const pvalue = Math.min(1, nCodes * binomialUpperTail(inSet[c]!, setKnown, baseRate));
    if (best === undefined || pvalue < best.pvalue) {
      best = { code: c, count: inSet[c]!, share: inSet[c]! / setKnown, baseRate, pvalue };
    }
  }
  return best;
}
