/**
 * Outliers: rows far from the bulk of the data, by Isolation Forest (Liu, Ting, Zhou 2008; see
 * learn/isolationForest.ts, defaults 100 trees × 256 rows). Injected points that the attacker
 * could not make look natural (out-of-range values, impossible combinations) isolate quickly.
 *
 * The forest is fitted on the inspected rows (a forest fitted elsewhere cannot isolate a value
 * beyond its training range: such a point just follows the outermost branch). The reference
 * score distribution is the trusted rows' scores under that forest when there are enough trusted
 * rows, otherwise the inspected rows' own. A row is flagged when its score lies beyond the
 * reference scores' robust spread: s > median + 5 · 1.4826 · MAD (and above 0.5, the paper's
 * "no distinct anomaly" level). 5 robust standard deviations was chosen on clean synthetic data
 * (Gaussian mixtures, integer and one-hot features): it flags ≈ 0–0.3% of clean rows, where 3
 * flags up to 6% of a 2-D mixture's rows.
 *
 * An outlier is not proof of poison, so alone they are `low`. When the flagged rows concentrate
 * on one label or one source beyond chance (one-sided binomial test, Bonferroni over the codes,
 * p < 0.001, at least 5 rows and half of the flagged) the finding is `medium`: that is how an
 * injected cluster looks. Concentration on a minority label (a base rate below half of an even
 * share, 1 / (2 · classes)) does not count: in imbalanced data the rare class lives in the tails
 * (fraud among payments), so its rows are the natural outliers, and counting them raised
 * `medium` on clean fraud data in the poisoning benchmark. Source concentration always counts.
 * The forest splits on each feature's own order, so it needs no
 * standardisation (it would not change a single split).
 */
import { atlas, createFinding, type Finding, owaspMl } from "../../core/index.js";
import { fitIsolationForest } from "../../learn/index.js";
import { clamp01, percentTenths } from "./numbers.js";
import { type Concentration, strongestConcentration } from "./outliersConcentration.js";
import type { DetectorResult, PoisoningContext, PoisoningDetector, RowFlag } from "./types.js";

export const OUTLIER_DEFAULTS = {
  trees: 100,
  sampleSize: 256,
  /** Robust standard deviations above the median reference score. */
  madMultiplier: 5,
  /** Liu et al.: scores at or below 0.5 show no distinct anomaly. */
  minScore: 0.5,
  /** Trusted rows needed to use them as the reference. */
  minTrustedRows: 100,
  clusterAlpha: 1e-3,
  minCluster: 5,
} as const;

const DETECTOR = "data.poisoning.outliers";

export const outliers: PoisoningDetector = {
  name: "outliers",
  description: "Isolation-forest outliers, raised when they cluster on one label or source",
  applies: (input) => input.nRows >= 10 && input.nFeatures >= 1,
  async run(context: PoisoningContext): Promise<DetectorResult> {
    const { input } = context;
    const d = OUTLIER_DEFAULTS;
    const useTrusted = input.trusted !== undefined && input.trusted.nRows >= d.minTrustedRows;
    const forest = fitIsolationForest(input.X, input.nRows, input.nFeatures, {
      trees: d.trees,
      sampleSize: d.sampleSize,
      seed: input.seed,
    });
    const scores = forest.score(input.X, input.nRows);
    const referenceScores = useTrusted
      ? forest.score(input.trusted!.X, input.trusted!.nRows)
      : scores;
    const median = medianOf(referenceScores);
    const mad = 1.4826 * medianOf(referenceScores.map((s) => Math.abs(s - median)));
    const threshold = Math.max(d.minScore, median + d.madMultiplier * mad);

    // Row score: 0 at the reference median, 0.5 at the threshold, 1 at twice that distance.
    const rowScores = new Float64Array(input.nRows);
    const span = Math.max(threshold - median, 1e-9);
    const flaggedRows: number[] = [];
    for (let i = 0; i < input.nRows; i++) {
      rowScores[i] = clamp01((scores[i]! - median) / (2 * span));
      if (scores[i]! > threshold) flaggedRows.push(i);
    }
    const flagged: RowFlag[] = flaggedRows.map((row) => ({
      row,
      score: rowScores[row]!,
      reason: `isolation-forest score ${scores[row]!.toFixed(3)} is beyond the ${
        useTrusted ? "trusted data's" : "dataset's"
      } normal range (threshold ${threshold.toFixed(3)}, median ${median.toFixed(3)})`,
    }));

    const findings: Finding[] = [];
    if (flaggedRows.length > 0) {
      const labelCluster = significant(
        strongestConcentration(flaggedRows, input.y, input.classes.length),
        flaggedRows.length,
      );
      const byLabel =
        labelCluster !== undefined && labelCluster.baseRate >= 0.5 / input.classes.length
          ? labelCluster
          : undefined;
      const bySource =
        input.sources === undefined
          ? undefined
          : significant(
              strongestConcentration(flaggedRows, input.sources.codes, input.sources.names.length),
              flaggedRows.length,
            );
      const clustered = byLabel !== undefined || bySource !== undefined;
      const parts: string[] = [];
      if (byLabel !== undefined) {
        parts.push(
          `${byLabel.count} of them labelled '${input.classes[byLabel.code]}' (${percentTenths(byLabel.share)} vs ${percentTenths(byLabel.baseRate)} overall)`,
        );
      }
      if (bySource !== undefined && input.sources !== undefined) {
        parts.push(
          `${bySource.count} of them from source '${input.sources.names[bySource.code]}' (${percentTenths(bySource.share)} vs ${percentTenths(bySource.baseRate)} overall)`,
        );
      }
      findings.push(
        createFinding({
          detector: DETECTOR,
          title: clustered
            ? `${flaggedRows.length} outlying rows cluster on ${parts.join(" and ")}`
            : `${flaggedRows.length} outlying row${flaggedRows.length === 1 ? "" : "s"} (${percentTenths(flaggedRows.length / input.nRows)} of the data)`,
          severity: clustered ? "medium" : "low",
          confidence: clustered ? 0.6 : 0.3,
          asset: input.asset,
          threats: [atlas("AML.T0020"), owaspMl("ML02")],
          evidence: {
            rows: flaggedRows.slice(0, 100),
            flaggedCount: flaggedRows.length,
            threshold,
            referenceMedian: median,
            reference: useTrusted ? "trusted" : "self",
            ...(byLabel === undefined
              ? {}
              : { label: { ...byLabel, label: input.classes[byLabel.code] } }),
            ...(bySource === undefined || input.sources === undefined
              ? {}
              : { source: { ...bySource, source: input.sources.names[bySource.code] } }),
          },
          remediation: clustered
            ? "Review the clustered rows and where they came from; quarantine the batch if they are not legitimate."
            : "Outliers alone are not proof of poisoning: spot-check them and correct data-entry errors.",
        }),
      );
    }
    return { detector: DETECTOR, rowScores, flagged, findings };
  },
};

function significant(
  c: Concentration | undefined,
  flaggedCount: number,
): Concentration | undefined {
  const d = OUTLIER_DEFAULTS;
  if (c === undefined) return undefined;
  const big = c.count >= d.minCluster && c.count >= flaggedCount / 2;
  return big && c.pvalue < d.clusterAlpha ? c : undefined;
}

function medianOf(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return 0;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}
