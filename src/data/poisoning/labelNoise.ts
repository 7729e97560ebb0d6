/**
 * Label noise by confident learning: Northcutt, Jiang, Chuang, "Confident Learning: Estimating
 * Uncertainty in Dataset Labels", JAIR 70 (2021), as cleanlab's `find_label_issues` does it by
 * default:
 *  1. per-class thresholds tⱼ = mean out-of-fold probability of class j over rows labelled j;
 *  2. the confident joint C[i][j]: rows labelled i whose probability of j reaches tⱼ (the most
 *     probable such j when several do);
 *  3. calibrate C so row i sums to the number of rows labelled i, and normalise to a joint Q;
 *  4. "prune by noise rate": for each off-diagonal (i, j) flag the n·Q[i][j] rows labelled i with
 *     the largest margin p(j) − p(i);
 *  5. drop flags on rows whose most probable class is their label (cleanlab ≥ 2.0 does the same).
 * The row score is 1 − self-confidence (the out-of-fold probability of the given label).
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

export interface ConfidentLearningResult {
  /** Per-class thresholds tⱼ. */
  thresholds: Float64Array;
  /** Confident joint counts, K × K row-major, [given][likely true]. */
  joint: Float64Array;
  /** Calibrated joint distribution Q, K × K, sums to 1. */
  calibrated: Float64Array;
  /** 1 for rows flagged as label issues. */
  issues: Uint8Array;
  /** The class each flagged row most likely belongs to (argmax), −1 elsewhere. */
  likely: Int32Array;
}

export function confidentLearning(
  proba: Float64Array,
  y: Int32Array,
  k: number,
): ConfidentLearningResult {
  const n = y.length;
  const thresholds = new Float64Array(k);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    thresholds[y[i]!]! += proba[i * k + y[i]!]!;
    counts[y[i]!]! += 1;
  }
  for (let c = 0; c < k; c++) thresholds[c] = counts[c]! > 0 ? thresholds[c]! / counts[c]! : 1;

  const joint = new Float64Array(k * k);
  for (let i = 0; i < n; i++) {
    let best = -1;
    for (let c = 0; c < k; c++) {
      const p = proba[i * k + c]!;
      if (p >= thresholds[c]! && (best < 0 || p > proba[i * k + best]!)) best = c;
    }
    if (best >= 0) joint[y[i]! * k + best]! += 1;
  }

  const calibrated = new Float64Array(k * k);
  let total = 0;
  for (let g = 0; g < k; g++) {
    let rowSum = 0;
    for (let c = 0; c < k; c++) rowSum += joint[g * k + c]!;
    for (let c = 0; c < k; c++) {
      // A class with no confident row keeps its count on the diagonal (no evidence of noise).
      const v = rowSum > 0 ? (joint[g * k + c]! / rowSum) * counts[g]! : c === g ? counts[g]! : 0;
      calibrated[g * k + c] = v;
      total += v;
    }
  }
  if (total > 0) for (let t = 0; t < k * k; t++) calibrated[t]! /= total;

  const issues = new Uint8Array(n);
  const likely = new Int32Array(n).fill(-1);
  for (let g = 0; g < k; g++) {
    for (let c = 0; c < k; c++) {
      if (c === g) continue;
      const prune = Math.round(n * calibrated[g * k + c]!);
      if (prune === 0) continue;
      const candidates: number[] = [];
      for (let i = 0; i < n; i++) if (y[i] === g) candidates.push(i);
      candidates.sort(
        (a, b) =>
          proba[b * k + c]! - proba[b * k + g]! - (proba[a * k + c]! - proba[a * k + g]!) || a - b,
      );
      for (let t = 0; t < Math.min(prune, candidates.length); t++) issues[candidates[t]!] = 1;
    }
  }
  for (let i = 0; i < n; i++) {
    if (!issues[i]) continue;
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c]! > proba[i * k + best]!) best = c;
    if (best === y[i]) issues[i] = 0;
    else likely[i] = best;
  }
  return { thresholds, joint, calibrated, issues, likely };
}

/** Severity from the share of rows flagged: a few percent is what any real dataset carries. */
export function noiseSeverity(fraction: number): Severity {
  if (fraction >= 0.08) return "high";
  if (fraction >= 0.045) return "medium";
  if (fraction >= 0.015) return "low";
  return "info";
}

export const labelNoise: PoisoningDetector = {
  name: "labelNoise",
  description:
    "confident learning (Northcutt et al. 2021): rows whose label the out-of-fold model confidently contradicts",
  applies: (input: PoisoningInput) => input.classes.length >= 2 && input.nRows >= 20,
  async run(context: PoisoningContext): Promise<DetectorResult> {
    const { input } = context;
    const k = input.classes.length;
    const proba = await context.outOfFold();
    const cl = confidentLearning(proba, input.y, k);
    const n = input.nRows;
    const rowScores = new Float64Array(n);
    const flagged: RowFlag[] = [];
    for (let i = 0; i < n; i++) {
      const selfConfidence = proba[i * k + input.y[i]!]!;
      // Flagged rows score ≥ 0.5 (the given label is not the most probable, so p ≤ 0.5);
      // unflagged rows stay below it, so a score of 0.5 means "flagged" across detectors.
      rowScores[i] = cl.issues[i] ? 1 - selfConfidence : Math.min(0.49, 1 - selfConfidence);
      if (!cl.issues[i]) continue;
      const likely = cl.likely[i]!;
      flagged.push({
        row: i,
        score: rowScores[i]!,
        reason: `labelled '${input.classes[input.y[i]!]}', ${percent(proba[i * k + likely]!)} of out-of-fold probability says '${input.classes[likely]}'`,
      });
    }
    const findings: Finding[] = [];
    if (flagged.length > 0) findings.push(labelNoiseFinding(input, cl, proba, flagged));
    return { detector: "data.poisoning.labelNoise", rowScores, flagged, findings };
  },
};

function labelNoiseFinding(
  input: PoisoningInput,
  cl: ConfidentLearningResult,
  proba: Float64Array,
  flagged: RowFlag[],
): Finding {
  const k = input.classes.length;
  const n = input.nRows;
  const fraction = flagged.length / n;
  const perClass = input.classes.map((name, g) => {
    let labelled = 0;
    for (let i = 0; i < n; i++) if (input.y[i] === g) labelled++;
    const likelyTrue: Record<string, number> = {};
    let count = 0;
    for (const f of flagged) {
      if (input.y[f.row] !== g) continue;
      count++;
      const likely = input.classes[cl.likely[f.row]!]!;
      likelyTrue[likely] = (likelyTrue[likely] ?? 0) + 1;
    }
    return { class: name, labelled, flagged: count, likelyTrue };
  });
  const pairs: { given: string; likely: string; rows: number }[] = [];
  for (const c of perClass) {
    for (const [likely, rows] of Object.entries(c.likelyTrue)) {
      pairs.push({ given: c.class, likely, rows });
    }
  }
  pairs.sort((a, b) => b.rows - a.rows);
  let margin = 0;
  for (const f of flagged) {
    const i = f.row;
    margin += proba[i * k + cl.likely[i]!]! - proba[i * k + input.y[i]!]!;
  }
  const severity = noiseSeverity(fraction);
  return createFinding({
    detector: "data.poisoning.labelNoise",
    title: `${flagged.length} of ${n} rows (${(fraction * 100).toFixed(1)}%) look mislabelled`,
    severity,
    confidence: round(margin / flagged.length),
    asset: input.asset,
    threats: [atlas("AML.T0020"), owaspMl("ML02")],
    evidence: {
      method: "confident learning (Northcutt et al. 2021), prune by noise rate",
      flaggedRows: flagged.length,
      rows: n,
      estimatedNoiseRate: round(fraction),
      perClass,
      topPairs: pairs.slice(0, 10),
      thresholds: Object.fromEntries(input.classes.map((c, j) => [c, round(cl.thresholds[j]!)])),
    },
    remediation:
      severity === "info" || severity === "low"
        ? "review the flagged rows; a small share of ambiguous labels is normal"
        : "review the flagged rows before training: relabel or drop them (--write-clean writes the data without them), and trace where their labels came from",
  });
}
