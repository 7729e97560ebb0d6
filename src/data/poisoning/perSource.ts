/**
 * Per-source analysis: which contributor's rows carry the suspicion. Poisoning through a data
 * supply chain (a feedback endpoint, a labelling vendor, one partner's feed) is concentrated in a
 * source, so comparing each source with the others turns scattered row-level noise into one
 * actionable answer. Three questions per source, each against the rest:
 *
 * 1. Label disagreement: the share of its rows whose out-of-fold prediction (context.outOfFold(),
 *    a surrogate that never saw the row) differs from the label, vs the other sources' share;
 *    two-proportion z-test (statsmodels proportions_ztest, halved to one side: only *more*
 *    disagreement is suspicious). Material when ≥ 5 points and ≥ 1.5× the rest's rate.
 * 2. Label-rate shift: chi-square test of independence on the 2 × classes table of its labels vs
 *    the rest's (scipy.stats.chi2_contingency). Material when the total-variation distance
 *    between the two label distributions is ≥ 0.1.
 * 3. Distribution shift: a domain classifier (L2 logistic regression, learn/) separating the
 *    source's rows from the trusted data's, or from the other sources' when there is no trusted
 *    data; 3-fold cross-validated ROC AUC (up to 1000 rows a side). AUC ≈ 0.5 means
 *    indistinguishable. One-sided Mann–Whitney normal approximation for AUC > 0.5. Material
 *    when AUC ≥ 0.6.
 * The 3 × sources p-values are Holm-corrected together (sources tested: 20 → 60 tests), and a
 * source is flagged only when some test is significant after correction (α = 0.01) AND its
 * effect is material. Sources are ranked by a combined score: the noisy-or of the three effects,
 * each scaled to 0..1 (disagreement excess / 0.3, TV / 0.3, (AUC − 0.5) / 0.3). Sources with
 * fewer than 10 rows are reported but not tested.
 */
import { atlas, createFinding, type Finding, owaspMl } from "../../core/index.js";
import {
  fitLogisticRegression,
  gatherRows,
  mulberry32,
  outOfFoldProbabilities,
  rocAuc,
  sampleWithoutReplacement,
} from "../../learn/index.js";
import { chiSquareContingency, holm, normalSf, zTestProportions } from "../../stats/index.js";
import { clamp01, percentTenths } from "./numbers.js";
import type {
  DetectorResult,
  PoisoningContext,
  PoisoningDetector,
  PoisoningInput,
  RowFlag,
  SourceScore,
} from "./types.js";

export const PER_SOURCE_DEFAULTS = {
  minRows: 10,
  alpha: 0.01,
  minDisagreementExcess: 0.05,
  minDisagreementRatio: 1.5,
  minLabelShift: 0.1,
  minDomainAuc: 0.6,
  domainFolds: 3,
  domainRowsPerSide: 1000,
  /** Effect that maps to a component score of 1. */
  effectScale: 0.3,
} as const;

const DETECTOR = "data.poisoning.perSource";

interface SourceStats {
  source: number;
  rows: number;
  disagreement: number;
  restDisagreement: number;
  disagreementP: number;
  labelShift: number;
  labelP: number;
  domainAuc: number;
  domainP: number;
  domainReference: "trusted" | "other sources";
}

export const perSource: PoisoningDetector = {
  name: "perSource",
  description: "Per-contributor label disagreement, label-rate shift and distribution shift",
  applies: (input) => input.sources !== undefined && input.sources.names.length >= 2,
  async run(context: PoisoningContext): Promise<DetectorResult> {
    const { input } = context;
    const d = PER_SOURCE_DEFAULTS;
    const sources = input.sources!;
    const k = input.classes.length;
    const proba = await context.outOfFold();
    const disagrees = new Uint8Array(input.nRows);
    for (let i = 0; i < input.nRows; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (proba[i * k + c]! > proba[i * k + best]!) best = c;
      disagrees[i] = best === input.y[i] ? 0 : 1;
    }
    const members: number[][] = sources.names.map(() => []);
    for (let i = 0; i < input.nRows; i++) {
      const s = sources.codes[i]!;
      if (s >= 0) members[s]!.push(i);
    }
    let totalDisagree = 0;
    let known = 0;
    const labelTotals = new Float64Array(k);
    for (let i = 0; i < input.nRows; i++) {
      if (sources.codes[i]! < 0) continue;
      known++;
      totalDisagree += disagrees[i]!;
      labelTotals[input.y[i]!]!++;
    }

    const tested: SourceStats[] = [];
    for (const [s, rows] of members.entries()) {
      if (rows.length < d.minRows || known - rows.length < d.minRows) continue;
      let own = 0;
      const labels = new Float64Array(k);
      for (const r of rows) {
        own += disagrees[r]!;
        labels[input.y[r]!]!++;
      }
      const restN = known - rows.length;
      const restX = totalDisagree - own;
      const z = zTestProportions(own, rows.length, restX, restN);
      const oneSided = z.statistic > 0 ? z.pvalue / 2 : 1 - z.pvalue / 2;
      const rest = Array.from(labelTotals, (t, c) => t - labels[c]!);
      const chi = chiSquareContingency([Array.from(labels), rest]);
      let tv = 0;
      for (let c = 0; c < k; c++) tv += Math.abs(labels[c]! / rows.length - rest[c]! / restN);
      const domain = domainShift(input, rows, s);
      tested.push({
        source: s,
        rows: rows.length,
        disagreement: own / rows.length,
        restDisagreement: restX / restN,
        disagreementP: oneSided,
        labelShift: tv / 2,
        labelP: Number.isNaN(chi.pvalue) ? 1 : chi.pvalue,
        domainAuc: domain.auc,
        domainP: domain.pvalue,
        domainReference: domain.reference,
      });
    }

    const adjusted = holm(tested.flatMap((t) => [t.disagreementP, t.labelP, t.domainP]));
    const scores: SourceScore[] = [];
    const findings: Finding[] = [];
    const rowScores = new Float64Array(input.nRows);
    const flagged: RowFlag[] = [];
    const testedIds = new Set(tested.map((t) => t.source));
    for (const [index, t] of tested.entries()) {
      const [pDis, pLab, pDom] = adjusted.slice(3 * index, 3 * index + 3) as [
        number,
        number,
        number,
      ];
      const excess = t.disagreement - t.restDisagreement;
      const disagreementHit =
        pDis < d.alpha &&
        excess >= d.minDisagreementExcess &&
        t.disagreement >= d.minDisagreementRatio * t.restDisagreement;
      const labelHit = pLab < d.alpha && t.labelShift >= d.minLabelShift;
      const domainHit = pDom < d.alpha && t.domainAuc >= d.minDomainAuc;
      const effects = [
        clamp01(excess / d.effectScale),
        clamp01(t.labelShift / d.effectScale),
        clamp01((t.domainAuc - 0.5) / d.effectScale),
      ];
      const score = 1 - effects.reduce((acc, e) => acc * (1 - e), 1);
      const isFlagged = disagreementHit || labelHit || domainHit;
      const name = sources.names[t.source]!;
      const evidence = {
        rows: t.rows,
        disagreementRate: t.disagreement,
        otherSourcesDisagreementRate: t.restDisagreement,
        disagreementPValue: pDis,
        labelShift: t.labelShift,
        labelShiftPValue: pLab,
        domainAuc: t.domainAuc,
        domainAucPValue: pDom,
        domainReference: t.domainReference,
        correction: "holm",
      };
      scores.push({ source: name, score, flagged: isFlagged, evidence });
      if (!isFlagged) continue;

      const reasons: string[] = [];
      if (disagreementHit) {
        reasons.push(
          `${percentTenths(t.disagreement)} of its labels disagree with the out-of-fold model vs ${percentTenths(t.restDisagreement)} elsewhere`,
        );
      }
      if (labelHit)
        reasons.push(
          `its label mix differs from the others' (TV distance ${t.labelShift.toFixed(2)})`,
        );
      if (domainHit) {
        reasons.push(
          `a classifier tells its rows from the ${t.domainReference === "trusted" ? "trusted data" : "other sources"} (AUC ${t.domainAuc.toFixed(2)})`,
        );
      }
      findings.push(
        createFinding({
          detector: DETECTOR,
          title: `Source '${name}' stands out: ${reasons.join("; ")}`,
          severity: disagreementHit ? "high" : "medium",
          confidence: Math.min(0.95, 0.5 + score / 2),
          asset: input.asset,
          threats: [atlas("AML.T0020"), owaspMl("ML02")],
          evidence: { source: name, ...evidence },
          remediation: `Quarantine the rows from '${name}' (rampart.yaml data.sources: trust untrusted) and review them before they reach training.`,
        }),
      );
      for (const row of members[t.source]!) {
        const rowScore = score * (disagreementHit && disagrees[row] ? 1 : 0.5);
        rowScores[row] = rowScore;
        if (disagreementHit && disagrees[row]) {
          flagged.push({
            row,
            score: rowScore,
            reason: `from source '${name}' (${reasons[0]}), and the out-of-fold model disagrees with this row's label '${input.classes[input.y[row]!]}'`,
          });
        }
      }
    }
    for (const [s, name] of sources.names.entries()) {
      if (!testedIds.has(s)) {
        scores.push({
          source: name,
          score: 0,
          flagged: false,
          evidence: {
            rows: members[s]!.length,
            skipped: `fewer than ${d.minRows} rows to compare`,
          },
        });
      }
    }
    scores.sort((a, b) => b.score - a.score);
    flagged.sort((a, b) => a.row - b.row);
    return { detector: DETECTOR, rowScores, flagged, findings, sources: scores };
  },
};

/** Cross-validated AUC of a logistic regression telling the source's rows from the reference. */
function domainShift(
  input: PoisoningInput,
  rows: number[],
  source: number,
): { auc: number; pvalue: number; reference: "trusted" | "other sources" } {
  const d = PER_SOURCE_DEFAULTS;
  const f = input.nFeatures;
  const random = mulberry32(input.seed + 31 * source + 1);
  const useTrusted = input.trusted !== undefined && input.trusted.nRows >= d.minRows;
  const positives = sampleWithoutReplacement(rows, d.domainRowsPerSide, random);
  let negativeX: Float64Array;
  let negatives: number;
  if (useTrusted) {
    const trusted = input.trusted!;
    const picked = sampleWithoutReplacement(
      Array.from({ length: trusted.nRows }, (_, i) => i),
      d.domainRowsPerSide,
      random,
    );
    negativeX = gatherRows(trusted.X, f, picked);
    negatives = picked.length;
  } else {
    const others: number[] = [];
    for (let i = 0; i < input.nRows; i++) {
      const s = input.sources!.codes[i]!;
      if (s >= 0 && s !== source) others.push(i);
    }
    const picked = sampleWithoutReplacement(others, d.domainRowsPerSide, random);
    negativeX = gatherRows(input.X, f, picked);
    negatives = picked.length;
  }
  const n = positives.length + negatives;
  const X = new Float64Array(n * f);
  X.set(gatherRows(input.X, f, positives));
  X.set(negativeX, positives.length * f);
  const y = new Int32Array(n);
  y.fill(1, 0, positives.length);
  const reference = useTrusted ? "trusted" : "other sources";
  const proba = outOfFoldProbabilities(
    { X, nRows: n, nFeatures: f, y, nClasses: 2 },
    fitLogisticRegression,
    { folds: d.domainFolds, seed: input.seed + source },
  );
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) scores[i] = proba[i * 2 + 1]!;
  const auc = rocAuc(scores, y);
  if (Number.isNaN(auc)) return { auc: 0.5, pvalue: 1, reference };
  // Mann–Whitney U under H0 (AUC = 0.5): variance (n1 + n2 + 1) / (12 n1 n2), no tie correction.
  const n1 = positives.length;
  const n2 = negatives;
  const se = Math.sqrt((n1 + n2 + 1) / (12 * n1 * n2));
  return { auc, pvalue: normalSf((auc - 0.5) / se), reference };
}
