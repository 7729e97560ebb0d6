/**
 * Targeted label flips: an attacker relabels part of one class s as another class t (fraud →
 * legit in a chargeback feed) so the model learns to let s through. Plain confident learning
 * misses most of these rows on a rare class: the surrogate, trained on the flipped labels, gives
 * them less probability of s than the class's confident-learning threshold.
 *
 * This detector treats it as mixture-proportion estimation (Scott, Blanchard & Handy, COLT 2013;
 * the positive–unlabelled view of Elkan & Noto, KDD 2008): the flipped rows are a random part
 * of class s, so their scores (out-of-fold p(s)) follow the same distribution F as the rows
 * still labelled s, while honest t rows score low.
 *  1. Flip rate: among "anchor" rows, those scoring at least the 75th percentile of F, honest t
 *     rows are rare, so the share labelled t estimates ρ = P(label t | true s). A pair stands out
 *     when ρ ≥ 10% and ρ ≥ 2× the reverse pair's rate (a flip is one-directional; honest
 *     ambiguity is symmetric).
 *  2. Flipped rows expected: K = ρ/(1 − ρ) · (rows labelled s).
 *  3. Cut: flag the rows labelled t scoring ≥ τ, τ chosen to maximise the expected F1,
 *     2·K·F(≥τ) / (N_t(≥τ) + K), where F(≥τ) is the share of s rows at or above τ.
 *  4. Row score: the expected share of flipped rows at or above the row's own score,
 *     K·F(≥score) / N_t(≥score) (capped at 1).
 */
import { atlas, createFinding, type Finding, owaspMl, type Severity } from "../../core/index.js";
import { percent, round } from "./numbers.js";
import type {
  DetectorResult,
  PoisoningContext,
  PoisoningDetector,
  PoisoningInput,
  RowFlag,
} from "./types.js";

/** The smallest flip rate that counts as an attack rather than ambiguity. */
export const MIN_FLIP_RATE = 0.1;
const ANCHOR_QUANTILE = 0.75;
/** Fewer rows labelled s than this and the anchors say nothing. */
const MIN_SOURCE_ROWS = 8;

export interface PairEstimate {
  source: number;
  target: number;
  /** Estimated P(label t | true class s). */
  rate: number;
  anchorRows: number;
  /** Expected number of flipped rows, K. */
  expectedFlipped: number;
  /** Rows labelled t at or above the chosen cut. */
  flagged: Int32Array;
  /** Score (out-of-fold p(s)) threshold τ. */
  threshold: number;
  /** Expected precision at each row labelled t (0 elsewhere), K·F(≥score)/N_t(≥score). */
  rowScores: Float64Array;
  expectedF1: number;
}

// The out-of-fold probability of s. (Not the ratio p(s)/p(t): with many classes a row of a third
// class has both tiny, and their ratio is noise.)
const score = (proba: Float64Array, i: number, k: number, s: number, _t: number): number =>
  proba[i * k + s]!;

/** The estimate for one (source s, target t) pair, or undefined with too few rows of s. */
export function estimatePair(
  proba: Float64Array,
  y: Int32Array,
  k: number,
  s: number,
  t: number,
  /** A flip rate estimated elsewhere (e.g. on first-pass probabilities); default: from `proba`. */
  rateOverride?: number,
): PairEstimate | undefined {
  const n = y.length;
  const sourceScores: number[] = [];
  const targetRows: number[] = [];
  for (let i = 0; i < n; i++) {
    if (y[i] === s) sourceScores.push(score(proba, i, k, s, t));
    else if (y[i] === t) targetRows.push(i);
  }
  if (sourceScores.length < MIN_SOURCE_ROWS || targetRows.length === 0) return undefined;
  const F = Float64Array.from(sourceScores).sort();
  const targetScores = Float64Array.from(targetRows, (i) => score(proba, i, k, s, t));
  const anchorCut = F[Math.floor(ANCHOR_QUANTILE * (F.length - 1))]!;
  const sAbove = F.length - lowerBound(F, anchorCut);
  let tAbove = 0;
  for (const v of targetScores) if (v >= anchorCut) tAbove++;
  const rate = rateOverride ?? tAbove / (tAbove + sAbove);
  const expectedFlipped = (rate / (1 - rate)) * F.length;

  // Rows labelled t from the most s-like down: N_t(≥τ) is the rank, F(≥τ) from the sorted F.
  const order = Array.from(targetScores.keys()).sort((a, b) => targetScores[b]! - targetScores[a]!);
  const rowScores = new Float64Array(n);
  let bestF1 = 0;
  let bestCount = 0;
  for (let r = 0; r < order.length; r++) {
    const v = targetScores[order[r]!]!;
    const share = (F.length - lowerBound(F, v)) / F.length;
    const expectedTrue = expectedFlipped * share;
    const f1 = (2 * expectedTrue) / (r + 1 + expectedFlipped);
    if (f1 > bestF1) {
      bestF1 = f1;
      bestCount = r + 1;
    }
    rowScores[targetRows[order[r]!]!] = Math.min(1, expectedTrue / (r + 1));
  }
  const flagged = Int32Array.from(order.slice(0, bestCount), (o) => targetRows[o]!);
  const threshold = bestCount > 0 ? targetScores[order[bestCount - 1]!]! : Number.POSITIVE_INFINITY;
  return {
    source: s,
    target: t,
    rate,
    anchorRows: tAbove + sAbove,
    expectedFlipped,
    flagged,
    threshold,
    rowScores,
    expectedF1: bestF1,
  };
}

/** First index with F[index] ≥ value (F sorted ascending). */
function lowerBound(F: Float64Array, value: number): number {
  let lo = 0;
  let hi = F.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (F[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Only asymmetric rates ≥ 10% are reported at all (clean data measured ≤ 4% in the bench). */
function flipSeverity(rate: number): Severity {
  return rate >= 0.15 ? "high" : "medium";
}

export const targetedFlips: PoisoningDetector = {
  name: "targetedFlips",
  description:
    "one class relabelled as another (e.g. fraud → legit): flip rate from the labels of the most source-like rows, flagged rows cut at the best expected F1",
  applies: (input: PoisoningInput) => input.classes.length >= 2 && input.nRows >= 20,
  async run(context: PoisoningContext): Promise<DetectorResult> {
    const { input } = context;
    const k = input.classes.length;
    const n = input.nRows;
    const proba = await context.outOfFold();
    const estimates: PairEstimate[] = [];
    const rates = new Float64Array(k * k);
    for (let s = 0; s < k; s++) {
      for (let t = 0; t < k; t++) {
        if (s === t) continue;
        const estimate = estimatePair(proba, input.y, k, s, t);
        if (estimate === undefined) continue;
        rates[s * k + t] = estimate.rate;
        estimates.push(estimate);
      }
    }
    const rowScores = new Float64Array(n);
    const best = new Map<number, RowFlag>();
    const findings: Finding[] = [];
    for (const e of estimates) {
      const { source: s, target: t, rate } = e;
      const reverse = rates[t * k + s]!;
      if (rate < MIN_FLIP_RATE || rate < 2 * reverse || e.flagged.length === 0) continue;
      const sName = input.classes[s]!;
      const tName = input.classes[t]!;
      for (const i of e.flagged) {
        // A flagged row counts as flagged across detectors (≥ 0.5) even when the expected
        // precision at its score is lower: the cut is where the expected F1 peaks.
        const rowScore = Math.max(0.5, e.rowScores[i]!);
        if ((best.get(i)?.score ?? 0) >= rowScore) continue;
        best.set(i, {
          row: i,
          score: rowScore,
          reason: `labelled '${tName}', ${percent(proba[i * k + s]!)} of out-of-fold probability says '${sName}'; ~${percent(rate)} of '${sName}' look relabelled '${tName}'`,
        });
      }
      const severity = flipSeverity(rate);
      findings.push(
        createFinding({
          detector: "data.poisoning.targetedFlips",
          title: `~${percent(rate)} of '${sName}' rows look relabelled '${tName}' (${e.flagged.length} rows flagged)`,
          severity,
          confidence: round(Math.min(1, (rate - reverse) / rate)),
          asset: input.asset,
          // Relabelling one class through a feedback path skews the model on purpose (OWASP ML08).
          threats: [atlas("AML.T0020"), owaspMl("ML02"), owaspMl("ML08")],
          evidence: {
            method:
              "mixture-proportion estimate of the flip rate on anchor rows, cut at the best expected F1",
            sourceClass: sName,
            targetClass: tName,
            estimatedFlipRate: round(rate),
            reverseRate: round(reverse),
            anchorRows: e.anchorRows,
            estimatedFlippedRows: Math.round(e.expectedFlipped),
            flaggedRows: e.flagged.length,
            expectedF1: round(e.expectedF1),
          },
          remediation: `review the flagged '${tName}' rows and the channel their labels came from (feedback, chargebacks, a contributor); drop or relabel them before training`,
        }),
      );
    }
    for (let i = 0; i < n; i++) {
      const flag = best.get(i);
      if (flag !== undefined) rowScores[i] = flag.score;
    }
    // Unflagged rows keep a low score: the pair did not stand out, or they are below the cut.
    for (const e of estimates) {
      for (let i = 0; i < n; i++) {
        if (!best.has(i) && e.rowScores[i]! > rowScores[i]!) {
          rowScores[i] = Math.min(0.49, e.rowScores[i]! * Math.min(1, e.rate / MIN_FLIP_RATE));
        }
      }
    }
    const flagged = [...best.values()].sort((a, b) => a.row - b.row);
    return { detector: "data.poisoning.targetedFlips", rowScores, flagged, findings };
  },
};
