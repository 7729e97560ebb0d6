import type { Severity } from "../../core/index.js";
import {
  benjaminiHochberg,
  chiSquareContingency,
  holm,
  jensenShannon,
  ks2sampSorted,
  psi,
  psiFromCounts,
  sortedWithoutNaN,
  wassersteinSorted,
  zTestProportions,
} from "../../stats/index.js";
import type { CategoricalColumn, Column, NumericColumn, Table } from "../table/types.js";
import { alignCounts, mergeSparse } from "./categoryCounts.js";

/**
 * Distribution shift of a batch against a reference, column by column:
 * - numeric: two-sample Kolmogorov–Smirnov (scipy.stats.ks_2samp, two-sided), with the
 *   Population Stability Index (10 reference-quantile bins) and the 1-Wasserstein distance
 *   (scipy.stats.wasserstein_distance) as effect sizes;
 * - categorical: χ² test of homogeneity on the 2×k table of category counts
 *   (scipy.stats.chi2_contingency, no continuity correction past 2×2), values the reference
 *   never saw pooled into `(unseen)` and sparse categories merged (categoryCounts.ts: expected
 *   count ≥ 5, Cochran 1954), with PSI and the Jensen–Shannon distance
 *   (scipy.spatial.distance.jensenshannon, base 2) as effect sizes;
 * - every column with a null in either batch: two-proportion z-test on the null rate, with
 *   Cohen's h (2·asin√p₁ − 2·asin√p₂) as effect size.
 * The p-values of one batch are one family: corrected together by Holm (family-wise error rate
 * ≤ alpha: a clean batch raises a false alarm in at most alpha of runs) or Benjamini–Hochberg
 * (false discovery rate ≤ alpha), both as statsmodels.stats.multitest.multipletests computes.
 *
 * With large batches every tiny difference is significant, so significance only decides
 * WHETHER a column is reported; HOW BAD is the effect size. PSI: < 0.1 low, 0.1–0.25 medium,
 * ≥ 0.25 high, the credit-scoring rule of thumb (Siddiqi, "Credit Risk Scorecards", 2006).
 * Cohen's h: < 0.2 low, 0.2–0.5 medium, ≥ 0.5 high (Cohen 1988 calls 0.2 small, 0.5 medium).
 */
export type Correction = "holm" | "bh" | "none";

export interface DriftOptions {
  /** Family-wise (holm) or false-discovery (bh) rate for the batch; default 0.05. */
  alpha?: number;
  correction?: Correction;
  /** Only these columns (present in both tables); default every shared column of the same kind. */
  columns?: string[];
}

export type DriftTestName = "ks" | "chi2" | "null_rate";

const METHOD: Record<DriftTestName, string> = {
  ks: "two-sample Kolmogorov–Smirnov (scipy.stats.ks_2samp)",
  chi2: "chi-square test of homogeneity (scipy.stats.chi2_contingency)",
  null_rate: "two-proportion z-test on the null rate",
};

export interface DriftEffect {
  /** Population Stability Index (ks, chi2). */
  psi?: number;
  /** 1-Wasserstein distance, in the column's units (ks). */
  wasserstein?: number;
  /** Jensen–Shannon distance, base 2, 0..1 (chi2). */
  jensenShannon?: number;
  /** Cohen's h (null_rate), signed: positive when the current batch has more nulls. */
  cohensH?: number;
}

export interface DriftTest {
  column: string;
  test: DriftTestName;
  method: string;
  statistic: number;
  pvalue: number;
  /** After the batch's multiple-testing correction. */
  adjustedPvalue: number;
  significant: boolean;
  effect: DriftEffect;
  /** From the effect size (see the header); meaningful when `significant`. */
  severity: Severity;
  /** Non-null values (ks, chi2) or rows (null_rate) in each batch. */
  n: { reference: number; current: number };
  /** Test-specific facts: degrees of freedom, merged categories, null rates, biggest shifts. */
  detail: Record<string, unknown>;
}

export interface DriftReport {
  alpha: number;
  correction: Correction;
  tests: DriftTest[];
  /** Columns not tested, and why. */
  skipped: { column: string; reason: string }[];
}

type PendingTest = Omit<DriftTest, "adjustedPvalue" | "significant">;

export function driftReport(
  reference: Table,
  current: Table,
  options: DriftOptions = {},
): DriftReport {
  const alpha = options.alpha ?? 0.05;
  const correction = options.correction ?? "holm";
  const pending: PendingTest[] = [];
  const skipped: DriftReport["skipped"] = [];
  const refByName = new Map(reference.columns.map((c) => [c.name, c]));
  const names = options.columns ?? current.columns.map((c) => c.name);
  for (const name of names) {
    const cur = current.columns.find((c) => c.name === name);
    const ref = refByName.get(name);
    if (cur === undefined || ref === undefined) {
      skipped.push({
        column: name,
        reason: cur === undefined ? "not in the batch" : "not in the reference",
      });
      continue;
    }
    if (cur.kind !== ref.kind) {
      skipped.push({ column: name, reason: `${ref.kind} in the reference, ${cur.kind} now` });
      continue;
    }
    const untestable = notComparable(ref);
    if (untestable !== undefined) {
      skipped.push({ column: name, reason: untestable });
      continue;
    }
    const distribution =
      cur.kind === "numeric"
        ? numericTest(ref as NumericColumn, cur)
        : categoricalTest(ref as CategoricalColumn, cur);
    if (typeof distribution === "string") skipped.push({ column: name, reason: distribution });
    else pending.push(distribution);
    const nulls = nullRateTest(ref, cur, reference.nRows, current.nRows);
    if (nulls !== undefined) pending.push(nulls);
  }
  const raw = pending.map((t) => t.pvalue);
  const adjusted =
    correction === "holm" ? holm(raw) : correction === "bh" ? benjaminiHochberg(raw) : raw;
  const tests = pending.map((t, i) => {
    const adjustedPvalue = adjusted[i]!;
    return { ...t, adjustedPvalue, significant: adjustedPvalue < alpha };
  });
  return { alpha, correction, tests, skipped };
}

/** Below this many reference values a column is never called identifier-like. */
const MIN_ROWS_FOR_ID_CHECK = 20;

/**
 * Columns whose values are expected to differ between any two batches, where a shift test
 * would alarm every time and mean nothing: dates and times (a later batch has later times),
 * and identifiers (integers all distinct in the reference, or text with more distinct values
 * than half its rows: ids, emails, free text).
 */
function notComparable(ref: Column): string | undefined {
  if (ref.kind === "numeric") {
    if (/^(DATE|TIME|TIMESTAMP)/i.test(ref.sqlType)) {
      return "a date/time column: later batches have later times";
    }
    const values = nonNull(ref.values);
    if (values.length < MIN_ROWS_FOR_ID_CHECK) return undefined;
    const seen = new Set<number>();
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isInteger(v) || seen.has(v)) return undefined;
      seen.add(v);
    }
    return "identifier-like: every reference value is a distinct integer";
  }
  // Count the codes in use: a dictionary may list values no row holds (after a row selection).
  const used = new Uint8Array(ref.dictionary.length);
  let distinct = 0;
  let nonNullRows = 0;
  for (let i = 0; i < ref.codes.length; i++) {
    const code = ref.codes[i]!;
    if (code < 0) continue;
    nonNullRows++;
    if (used[code] === 0) {
      used[code] = 1;
      distinct++;
    }
  }
  if (nonNullRows >= MIN_ROWS_FOR_ID_CHECK && distinct > nonNullRows / 2) {
    return "identifier-like: more distinct values than half the rows";
  }
  return undefined;
}

function nonNull(values: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) n++;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) out[j++] = v;
  }
  return out;
}

function numericTest(ref: NumericColumn, cur: NumericColumn): PendingTest | string {
  const a = nonNull(ref.values);
  const b = nonNull(cur.values);
  if (a.length === 0 || b.length === 0) return "no non-null values to compare";
  // Sorted once for both rank tests; PSI bins by selection and needs no sort.
  const sa = sortedWithoutNaN(a);
  const sb = sortedWithoutNaN(b);
  const ks = ks2sampSorted(sa, sb);
  const psiValue = psi(a, b).value;
  return {
    column: cur.name,
    test: "ks",
    method: METHOD.ks,
    statistic: ks.statistic,
    pvalue: ks.pvalue,
    effect: { psi: psiValue, wasserstein: wassersteinSorted(sa, sb) },
    severity: psiSeverity(psiValue),
    n: { reference: a.length, current: b.length },
    detail: { ks_method: ks.method },
  };
}

function categoricalTest(ref: CategoricalColumn, cur: CategoricalColumn): PendingTest | string {
  const aligned = alignCounts(ref, cur);
  const nRef = aligned.reference.reduce((s, x) => s + x, 0);
  const nCur = aligned.current.reduce((s, x) => s + x, 0);
  if (nRef === 0 || nCur === 0) return "no non-null values to compare";
  const merged = mergeSparse(aligned);
  if (merged.labels.length < 2) return "fewer than two categories with enough counts to test";
  const chi = chiSquareContingency([merged.reference, merged.current]);
  const psiValue = psiFromCounts(merged.reference, merged.current).value;
  const shares = aligned.labels.map((label, i) => ({
    category: label,
    reference_share: aligned.reference[i]! / nRef,
    current_share: aligned.current[i]! / nCur,
  }));
  shares.sort(
    (x, y) =>
      Math.abs(y.current_share - y.reference_share) - Math.abs(x.current_share - x.reference_share),
  );
  return {
    column: cur.name,
    test: "chi2",
    method: METHOD.chi2,
    statistic: chi.statistic,
    pvalue: chi.pvalue,
    effect: { psi: psiValue, jensenShannon: jensenShannon(aligned.reference, aligned.current, 2) },
    severity: psiSeverity(psiValue),
    n: { reference: nRef, current: nCur },
    detail: {
      dof: chi.dof,
      categories_tested: merged.labels.length,
      pooled: merged.pooled.slice(0, 20),
      pooled_count: merged.pooled.length,
      unseen: aligned.unseen.slice(0, 10),
      unseen_count: aligned.unseen.length,
      largest_shifts: shares.slice(0, 5),
    },
  };
}

function nullRateTest(
  ref: Column,
  cur: Column,
  nRef: number,
  nCur: number,
): PendingTest | undefined {
  if (ref.nullCount === 0 && cur.nullCount === 0) return undefined;
  if (nRef === 0 || nCur === 0) return undefined;
  const z = zTestProportions(cur.nullCount, nCur, ref.nullCount, nRef);
  const pRef = ref.nullCount / nRef;
  const pCur = cur.nullCount / nCur;
  const h = 2 * Math.asin(Math.sqrt(pCur)) - 2 * Math.asin(Math.sqrt(pRef));
  return {
    column: cur.name,
    test: "null_rate",
    method: METHOD.null_rate,
    statistic: z.statistic,
    pvalue: z.pvalue,
    effect: { cohensH: h },
    severity: Math.abs(h) >= 0.5 ? "high" : Math.abs(h) >= 0.2 ? "medium" : "low",
    n: { reference: nRef, current: nCur },
    detail: { null_rate_reference: pRef, null_rate_current: pCur },
  };
}

export const PSI_MEDIUM = 0.1;
export const PSI_HIGH = 0.25;

export function psiSeverity(value: number): Severity {
  // A non-finite PSI means a bin emptied out entirely: as big as a shift gets.
  if (!Number.isFinite(value) || value >= PSI_HIGH) return "high";
  return value >= PSI_MEDIUM ? "medium" : "low";
}
