/**
 * Reject On Negative Impact (RONI): Nelson et al. 2008, "Exploiting machine learning to subvert
 * your spam filter" (LEET), and Barreno, Nelson, Joseph, Tygar 2010, "The security of machine
 * learning" (Machine Learning 81). A batch of training data is judged by what it does: train the
 * model with and without it and compare both on held-out clean data; a batch that makes the model
 * worse is rejected, whatever it looks like.
 *
 * Here a batch is one source's rows and the model is the L2 logistic-regression surrogate
 * (learn/). With trusted data (≥ 40 rows), it is split once, stratified, into a training half
 * and a holdout half: "without" trains on the trusted half, "with" on the trusted half plus the
 * batch. Without trusted data the reference is the other sources (said so in the evidence): a
 * stratified 70/30 split of all rows, "without" trains on the 70% minus the source, "with" on the
 * whole 70%, and both are scored on the 30% minus the source — weaker, since other sources may be
 * poisoned too.
 *
 * The impact is the per-holdout-row difference in log-loss (with − without: positive = harmful)
 * and in accuracy (with − without: negative = harmful); 1000 seeded bootstrap resamples of the
 * holdout rows give 95% percentile intervals of both means. A source is flagged when an interval
 * lies entirely on the harmful side: log-loss above +0.01 nats or accuracy below −0.005
 * (thresholds so a batch whose effect is real but negligible is not rejected). The report gives
 * the intervals, not a single number. Batches are capped at 3000 rows, the base at 5000.
 */
import { atlas, createFinding, type Finding, owaspMl } from "../../core/index.js";
import {
  type Classifier,
  fitLogisticRegression,
  gatherRows,
  mulberry32,
  sampleWithoutReplacement,
  stratifiedFolds,
} from "../../learn/index.js";
import { clamp01 } from "./numbers.js";
import type {
  DetectorResult,
  LabelledData,
  PoisoningContext,
  PoisoningDetector,
  PoisoningInput,
  SourceScore,
} from "./types.js";

export const RONI_DEFAULTS = {
  minTrustedRows: 40,
  minBatchRows: 10,
  bootstrap: 1000,
  confidence: 0.95,
  /** Harm the whole interval must exceed: log-loss nats per row, accuracy points. */
  minLogLossHarm: 0.01,
  minAccuracyHarm: 0.005,
  holdoutShareWithoutTrusted: 0.3,
  maxBatchRows: 3000,
  maxBaseRows: 5000,
} as const;

const DETECTOR = "data.poisoning.rejectOnNegativeImpact";

/** A mean's bootstrap percentile interval. */
export interface Interval {
  mean: number;
  low: number;
  high: number;
}

export interface Impact {
  logLoss: Interval;
  accuracy: Interval;
  holdoutRows: number;
  baseRows: number;
  batchRows: number;
}

export const rejectOnNegativeImpact: PoisoningDetector = {
  name: "rejectOnNegativeImpact",
  description: "Per-source batch: does adding it hurt a surrogate on held-out clean data?",
  applies: (input) => input.sources !== undefined && input.sources.names.length >= 1,
  async run(context: PoisoningContext): Promise<DetectorResult> {
    const { input } = context;
    const d = RONI_DEFAULTS;
    const sources = input.sources!;
    const useTrusted = input.trusted !== undefined && input.trusted.nRows >= d.minTrustedRows;
    const members: number[][] = sources.names.map(() => []);
    for (let i = 0; i < input.nRows; i++) {
      const s = sources.codes[i]!;
      if (s >= 0) members[s]!.push(i);
    }

    const scores: SourceScore[] = [];
    const findings: Finding[] = [];
    const rowScores = new Float64Array(input.nRows);
    const reference = useTrusted ? "trusted" : "other sources";

    // With trusted data the "without" model and the holdout are the same for every source.
    let trustedSplit:
      | { base: LabelledData; holdout: LabelledData; without: Classifier }
      | undefined;
    if (useTrusted) {
      const trusted = input.trusted!;
      const fold = stratifiedFolds(trusted.y, input.classes.length, 2, input.seed);
      const base = subset(trusted, (i) => fold[i] === 0, d.maxBaseRows, input.seed);
      const holdout = subset(trusted, (i) => fold[i] === 1, Number.POSITIVE_INFINITY, input.seed);
      trustedSplit = { base, holdout, without: fitSurrogate(base, input) };
    }
    const split = useTrusted
      ? undefined
      : stratifiedSplit(input, d.holdoutShareWithoutTrusted, input.seed);

    for (const [s, rows] of members.entries()) {
      const name = sources.names[s]!;
      if (rows.length < d.minBatchRows) {
        scores.push({
          source: name,
          score: 0,
          flagged: false,
          evidence: { rows: rows.length, skipped: `fewer than ${d.minBatchRows} rows` },
        });
        continue;
      }
      let impact: Impact | undefined;
      if (trustedSplit !== undefined) {
        const batch = subset(input, (i) => sources.codes[i] === s, d.maxBatchRows, input.seed + s);
        const withBatch = fitSurrogate(concat(trustedSplit.base, batch), input);
        impact = measure(trustedSplit.without, withBatch, trustedSplit.holdout, input.seed + s);
        impact = { ...impact, baseRows: trustedSplit.base.nRows, batchRows: batch.nRows };
      } else {
        const inTrain = split!;
        const base = subset(
          input,
          (i) => inTrain[i] === 1 && sources.codes[i] !== s,
          d.maxBaseRows,
          input.seed,
        );
        const batch = subset(
          input,
          (i) => inTrain[i] === 1 && sources.codes[i] === s,
          d.maxBatchRows,
          input.seed + s,
        );
        const holdout = subset(
          input,
          (i) => inTrain[i] === 0 && sources.codes[i] !== s,
          Number.POSITIVE_INFINITY,
          input.seed,
        );
        if (base.nRows < d.minTrustedRows || holdout.nRows < d.minBatchRows || batch.nRows === 0) {
          scores.push({
            source: name,
            score: 0,
            flagged: false,
            evidence: {
              rows: rows.length,
              skipped: "not enough rows from the other sources to compare with",
            },
          });
          continue;
        }
        const without = fitSurrogate(base, input);
        const withBatch = fitSurrogate(concat(base, batch), input);
        impact = {
          ...measure(without, withBatch, holdout, input.seed + s),
          baseRows: base.nRows,
          batchRows: batch.nRows,
        };
      }

      const harmfulLoss = impact.logLoss.low > d.minLogLossHarm;
      const harmfulAccuracy = impact.accuracy.high < -d.minAccuracyHarm;
      const flagged = harmfulLoss || harmfulAccuracy;
      // Score: how far the interval's near end sits on the harmful side (0.1 nats or 5 points ⇒ 1).
      const score = Math.max(
        clamp01(impact.logLoss.low / 0.1),
        clamp01(-impact.accuracy.high / 0.05),
      );
      const evidence = {
        rows: rows.length,
        reference,
        logLossChange: impact.logLoss,
        accuracyChange: impact.accuracy,
        holdoutRows: impact.holdoutRows,
        baseRows: impact.baseRows,
        batchRows: impact.batchRows,
        bootstrap: d.bootstrap,
        confidence: d.confidence,
      };
      scores.push({ source: name, score, flagged, evidence });
      if (!flagged) continue;
      for (const r of rows) rowScores[r] = Math.max(rowScores[r]!, score * 0.5);
      findings.push(
        createFinding({
          detector: DETECTOR,
          title: `Adding source '${name}' makes the model worse on held-out ${useTrusted ? "trusted" : "other-source"} data: accuracy ${signedPct(impact.accuracy.low)}…${signedPct(impact.accuracy.high)}, log-loss ${signed(impact.logLoss.low)}…${signed(impact.logLoss.high)} (95% interval)`,
          severity: useTrusted ? "high" : "medium",
          confidence: useTrusted ? 0.8 : 0.6,
          asset: input.asset,
          threats: [atlas("AML.T0020"), atlas("AML.T0059"), owaspMl("ML02")],
          evidence: { source: name, ...evidence },
          remediation: `Reject the batch from '${name}' (Reject On Negative Impact) and review it before any retraining uses it.`,
        }),
      );
    }
    scores.sort((a, b) => b.score - a.score);
    // RONI judges batches, not rows: no row is flagged on its own, rows only inherit a share of
    // their batch's score.
    return { detector: DETECTOR, rowScores, flagged: [], findings, sources: scores };
  },
};

function fitSurrogate(data: LabelledData, input: PoisoningInput): Classifier {
  return fitLogisticRegression(
    {
      X: data.X,
      nRows: data.nRows,
      nFeatures: data.nFeatures,
      y: data.y,
      nClasses: input.classes.length,
    },
    { seed: input.seed },
  );
}

/** Paired per-row differences on the holdout, bootstrapped. */
export function measure(
  without: Classifier,
  withBatch: Classifier,
  holdout: LabelledData,
  seed: number,
): Impact {
  const d = RONI_DEFAULTS;
  const k = without.nClasses;
  const n = holdout.nRows;
  const p0 = without.predictProba(holdout.X, n);
  const p1 = withBatch.predictProba(holdout.X, n);
  const lossDiff = new Float64Array(n);
  const accDiff = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const y = holdout.y[i]!;
    lossDiff[i] =
      -Math.log(Math.max(p1[i * k + y]!, 1e-15)) + Math.log(Math.max(p0[i * k + y]!, 1e-15));
    accDiff[i] = correct(p1, i, k, y) - correct(p0, i, k, y);
  }
  const random = mulberry32(seed ^ 0x0b00);
  const lossMeans = new Float64Array(d.bootstrap);
  const accMeans = new Float64Array(d.bootstrap);
  for (let b = 0; b < d.bootstrap; b++) {
    let loss = 0;
    let acc = 0;
    for (let t = 0; t < n; t++) {
      const i = Math.floor(random() * n);
      loss += lossDiff[i]!;
      acc += accDiff[i]!;
    }
    lossMeans[b] = loss / n;
    accMeans[b] = acc / n;
  }
  return {
    logLoss: interval(lossDiff, lossMeans),
    accuracy: interval(accDiff, accMeans),
    holdoutRows: n,
    baseRows: 0,
    batchRows: 0,
  };
}

function correct(proba: Float64Array, i: number, k: number, y: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (proba[i * k + c]! > proba[i * k + best]!) best = c;
  return best === y ? 1 : 0;
}

function interval(values: Float64Array, bootMeans: Float64Array): Interval {
  const tail = (1 - RONI_DEFAULTS.confidence) / 2;
  const sorted = Float64Array.from(bootMeans).sort();
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  let sum = 0;
  for (const v of values) sum += v;
  return { mean: sum / values.length, low: at(tail), high: at(1 - tail) };
}

/** 1 = training row, 0 = holdout row: a stratified split with `holdoutShare` held out. */
function stratifiedSplit(input: PoisoningInput, holdoutShare: number, seed: number): Uint8Array {
  const folds = Math.max(2, Math.round(1 / holdoutShare));
  const fold = stratifiedFolds(input.y, input.classes.length, folds, seed);
  const inTrain = new Uint8Array(input.nRows);
  for (let i = 0; i < input.nRows; i++) inTrain[i] = fold[i] === 0 ? 0 : 1;
  return inTrain;
}

/** Rows where `keep` holds, at most `max` of them (a seeded sample when there are more). */
function subset(
  data: LabelledData,
  keep: (row: number) => boolean,
  max: number,
  seed: number,
): LabelledData {
  let rows: number[] = [];
  for (let i = 0; i < data.nRows; i++) if (keep(i)) rows.push(i);
  if (rows.length > max) {
    rows = sampleWithoutReplacement(rows, max, mulberry32(seed ^ 0x5a5a)).sort((a, b) => a - b);
  }
  return {
    X: gatherRows(data.X, data.nFeatures, rows),
    y: Int32Array.from(rows, (r) => data.y[r]!),
    nRows: rows.length,
    nFeatures: data.nFeatures,
    featureNames: data.featureNames,
    classes: data.classes,
  };
}

function concat(a: LabelledData, b: LabelledData): LabelledData {
  const X = new Float64Array(a.X.length + b.X.length);
  X.set(a.X);
  X.set(b.X, a.X.length);
  const y = new Int32Array(a.nRows + b.nRows);
  y.set(a.y);
  y.set(b.y, a.nRows);
  return { ...a, X, y, nRows: a.nRows + b.nRows };
}

function signed(v: number): string {
  return `${v >= 0 ? "+" : ""}${v.toFixed(3)}`;
}

function signedPct(v: number): string {
  return `${v >= 0 ? "+" : ""}${(100 * v).toFixed(1)}%`;
}
