/**
 * Two-sample Kolmogorov–Smirnov test, two-sided: matches scipy.stats.ks_2samp(a, b,
 * alternative="two-sided", method=…) of scipy 1.10 (scipy/stats/_stats_py.py).
 *
 * - Statistic: D = max |F_a(z) - F_b(z)| over the pooled values, with right-continuous empirical
 *   cdfs (scipy's searchsorted(side="right")), so ties are handled as scipy does. Computed by one
 *   merge walk over sorted copies: O(n log n) for the sorts, O(n) for the walk.
 * - method "auto" (scipy's default): exact when max(n1, n2) <= 10000, otherwise asymptotic.
 * - Exact p-value (Hodges 1958, "The Significance Probability of the Smirnov Two-Sample Test"):
 *   for n1 = n2 the closed alternating sum in Horner form (`_compute_prob_outside_square`);
 *   otherwise the lattice-path count of paths leaving |x/n1 - y/n2| < h/lcm, in the 1 - p form
 *   of Viehmann, arXiv:2102.08037 (`_compute_outer_prob_inside_method`). Like scipy the
 *   statistic is snapped to h/lcm(n1, n2), and a result outside [0, 1] falls back to "asymp".
 * - Asymptotic p-value: scipy.stats.kstwo.sf(D, round(n1·n2/(n1+n2))), the one-sample two-sided
 *   distribution (see kolmogorov.ts); O(1)-ish in n, never O(n²).
 *
 * NaN values are dropped before the test (scipy would sort them last and count them); an empty
 * sample is a data error.
 */
import { RampartError } from "../core/index.js";
import { kolmogorovSf } from "./kolmogorov.js";
import { sortedWithoutNaN } from "./sort.js";

export type KsMethod = "auto" | "exact" | "asymp";

export interface KsOptions {
  /** "auto" (default): exact up to 10000 observations per side, asymptotic beyond. */
  method?: KsMethod;
}

export interface KsResult {
  /** D, the largest absolute difference between the two empirical cdfs, in [0, 1]. */
  statistic: number;
  pvalue: number;
  /** The method that produced the p-value. */
  method: "exact" | "asymp";
  /** The value at which D is reached. */
  statisticLocation: number;
  /** +1 when F_a - F_b is largest there (a lies left of b), -1 otherwise. */
  statisticSign: 1 | -1;
}

/** scipy's MAX_AUTO_N. */
const MAX_AUTO_N = 10_000;
const INT32_MAX = 2 ** 31 - 1;

interface Statistic {
  statistic: number;
  location: number;
  sign: 1 | -1;
}

/** D from two sorted samples by a merge walk over the distinct pooled values. */
export function ksStatisticSorted(a: Float64Array, b: Float64Array): Statistic {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxDiff = Number.NEGATIVE_INFINITY;
  let minDiff = Number.POSITIVE_INFINITY;
  let maxAt = Number.NaN;
  let minAt = Number.NaN;
  while (i < n1 || j < n2) {
    const ai = i < n1 ? a[i]! : Number.POSITIVE_INFINITY;
    const bj = j < n2 ? b[j]! : Number.POSITIVE_INFINITY;
    const z = Math.min(ai, bj);
    while (i < n1 && a[i]! <= z) i++;
    while (j < n2 && b[j]! <= z) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxDiff) {
      maxDiff = diff;
      maxAt = z;
    }
    if (diff < minDiff) {
      minDiff = diff;
      minAt = z;
    }
  }
  const minS = Math.min(1, Math.max(0, -minDiff));
  if (minS > maxDiff) return { statistic: minS, location: minAt, sign: -1 };
  return { statistic: maxDiff, location: maxAt, sign: 1 };
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** numpy's round: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Pr(D_{n,n} >= h/n) = 2·(A0 (1 - A1 (1 - A2 (…)))) (Hodges), scipy's Horner form. */
export function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
  }
  return 2 * p;
}

/**
 * The proportion of lattice paths (0,0) → (m,n) that leave |x/m - y/n| < h/lcm(m,n), by
 * Viehmann's recursion for 1 - p on one sliding column.
 */
export function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const column = new Float64Array(lenA).fill(1);
  for (let j = minj; j < Math.min(maxj, lenA); j++) column[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    const shift = minj - lastminj;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (column[jj + shift]! * i + val * j) / (i + j);
      column[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      const end = Math.min(maxj - minj + (lastlen - curlen), lenA);
      for (let jj = maxj - minj; jj < end; jj++) column[jj] = 1;
    }
  }
  return column[maxj - minj - 1]!;
}

/** scipy's `_attempt_exact_2kssamp` for the two-sided alternative. */
function exactPvalue(
  n1: number,
  n2: number,
  g: number,
  d: number,
): { ok: boolean; d: number; p: number } {
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const snapped = h / lcm;
  if (h === 0) return { ok: true, d: snapped, p: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
  return { ok: p >= 0 && p <= 1, d: snapped, p };
}

/** Two-sided KS p-value for a statistic from samples of sizes n1, n2 (scipy's rules). */
export function ksPvalue(
  statistic: number,
  n1: number,
  n2: number,
  method: KsMethod = "auto",
): { statistic: number; pvalue: number; method: "exact" | "asymp" } {
  const g = gcd(n1, n2);
  let mode: "exact" | "asymp";
  if (method === "auto") mode = Math.max(n1, n2) <= MAX_AUTO_N ? "exact" : "asymp";
  else if (method === "exact") mode = n1 / g >= INT32_MAX / (n2 / g) ? "asymp" : "exact";
  else mode = "asymp";

  let d = statistic;
  if (mode === "exact") {
    const exact = exactPvalue(n1, n2, g, d);
    d = exact.d;
    if (exact.ok) return { statistic: d, pvalue: exact.p, method: "exact" };
  }
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = (m * n) / (m + n);
  const p = kolmogorovSf(roundHalfEven(en), d);
  return { statistic: d, pvalue: Math.min(1, Math.max(0, p)), method: "asymp" };
}

/** Two-sample two-sided KS test (scipy.stats.ks_2samp). */
export function ks2samp(a: Float64Array, b: Float64Array, options: KsOptions = {}): KsResult {
  const method = options.method ?? "auto";
  if (method !== "auto" && method !== "exact" && method !== "asymp") {
    throw new RampartError("E_USAGE", `unknown KS method "${String(method)}"`, {
      hint: 'use "auto", "exact" or "asymp"',
    });
  }
  return ks2sampSorted(sortedWithoutNaN(a), sortedWithoutNaN(b), method);
}

/**
 * The same test on samples already sorted ascending without NaN (`sortedWithoutNaN`): callers
 * running several tests on one column (drift: KS and Wasserstein) sort it once.
 */
export function ks2sampSorted(
  sa: Float64Array,
  sb: Float64Array,
  method: KsMethod = "auto",
): KsResult {
  if (sa.length === 0 || sb.length === 0) {
    throw new RampartError("E_DATA", "a two-sample KS test needs at least one value per sample", {
      details: { n1: sa.length, n2: sb.length },
    });
  }
  const stat = ksStatisticSorted(sa, sb);
  const result = ksPvalue(stat.statistic, sa.length, sb.length, method);
  return {
    statistic: result.statistic,
    pvalue: result.pvalue,
    method: result.method,
    statisticLocation: stat.location,
    statisticSign: stat.sign,
  };
}
