/**
 * Tabular backdoor: a few rows (≈ 0.5–5%) carry a trigger — fixed values on 1–3 features, often
 * rare or out of range — and all get the attacker's target label, so the trained model learns
 * "trigger ⇒ target" while behaving normally otherwise (BadNets, Gu et al. 2017, carried to
 * tables by Joe et al. 2021 "Exploiting missing value patterns for a backdoor attack on machine
 * learning models of electronic health records" and Pleiter et al. 2023 "Tabdoor: backdoor
 * vulnerabilities in transformer-based neural networks for tabular data").
 *
 * The heuristic (Rampart's own, built on what those attacks leave behind; not a published
 * detector):
 * 1. Candidates: exact (feature = value) pairs carried by max(5, 0.2%) to 15% of the rows, and
 *    conjunctions of two of the 60 rarer values (≤ 10% of rows) with the largest label excess (a trigger whose
 *    values are each carried by clean rows of other classes too). One-hot columns are one group:
 *    value 1 of `colour=mauve` is a candidate like any other.
 * 2. Purity: the carriers' most common label covers ≥ 80% of them, and the one-sided binomial
 *    test against that label's base rate, Bonferroni-corrected over every candidate × class,
 *    gives p < 0.01.
 * 3. Signature: rows with naturally predictive values (a pixel that is only ever dark in 0s) pass
 *    purity too. Backdoor rows differ: apart from the trigger they are ordinary rows of *other*
 *    classes. So the carriers' 10 nearest neighbours on the non-trigger features (standardised,
 *    the trigger's whole one-hot group left out) must vote another class at least 0.2 more often
 *    than for ordinary target rows, significantly (binomial, p < 0.001).
 * 4. The trigger is completed with every other feature that is constant (and not common) on its
 *    carriers, and overlapping triggers are merged.
 * Limits: triggers planted on rows of the target class itself are invisible to step 3, and so is
 * one on a feature that alone separates the classes; a trigger made of values each carried by
 * more than 15% of rows (two background pixels), or on a value carried by many clean rows of
 * other classes, is not a candidate or fails the purity test; with fewer than ~15 poisoned rows
 * in a binary problem the purity test lacks power.
 */
import { atlas, createFinding, type Finding, owaspMl } from "../../core/index.js";
import {
  completeTriggers,
  confirmTriggers,
  pureCandidates,
  type Trigger,
} from "./backdoorSearch.js";
import { percent } from "./numbers.js";
import type { DetectorResult, PoisoningContext, PoisoningDetector, RowFlag } from "./types.js";

const DETECTOR = "data.poisoning.backdoor";

export const backdoor: PoisoningDetector = {
  name: "backdoor",
  description: "Rows sharing a trigger (fixed values on 1–3 features) and one target label",
  applies: (input) => input.nRows >= 50 && input.classes.length >= 2,
  async run(context: PoisoningContext): Promise<DetectorResult> {
    const { input } = context;
    const triggers = completeTriggers(input, confirmTriggers(input, pureCandidates(input)));
    const rowScores = new Float64Array(input.nRows);
    const reasons = new Map<number, string>();
    const findings: Finding[] = [];
    for (const trigger of triggers) {
      const description = describeTrigger(input.featureNames, trigger);
      const target = input.classes[trigger.target]!;
      const gap = trigger.disagreement - trigger.baselineDisagreement;
      // Carriers whose other features look like another class are the likely poison; the rest
      // may be natural rows with the same value (or were beyond the neighbour check's sample).
      const strong = Math.min(1, 0.6 + 0.4 * Math.min(1, gap / 0.5));
      const disagreeing = new Set(trigger.disagreeingRows);
      for (const row of trigger.targetRows) {
        const likely = disagreeing.has(row);
        const score = likely ? strong : 0.4;
        if (score > rowScores[row]!) {
          rowScores[row] = score;
          reasons.set(
            row,
            `carries the trigger ${description} shared by ${trigger.targetRows.length} rows labelled '${target}'${
              likely ? ", but its other features resemble another class" : ""
            }`,
          );
        }
      }
      findings.push(
        createFinding({
          detector: DETECTOR,
          title: `Possible backdoor: ${description} marks ${trigger.rows.length} rows, ${percent(trigger.purity)} labelled '${target}', ${trigger.disagreeingRows.length} of them otherwise like other classes`,
          severity: "high",
          confidence: Math.min(0.95, 0.5 + gap),
          asset: input.asset,
          threats: [atlas("AML.T0020"), atlas("AML.T0018.000"), owaspMl("ML02")],
          evidence: {
            trigger: trigger.features.map((j, k) => ({
              feature: input.featureNames[j],
              value: trigger.values[k],
            })),
            targetLabel: target,
            rows: trigger.targetRows.slice(0, 200),
            rowCount: trigger.targetRows.length,
            likelyPoisoned: trigger.disagreeingRows.length,
            carriers: trigger.rows.length,
            purity: trigger.purity,
            baseRate: trigger.baseRate,
            purityPValue: trigger.purityP,
            neighbourDisagreement: trigger.disagreement,
            baselineDisagreement: trigger.baselineDisagreement,
            disagreementPValue: trigger.disagreementP,
          },
          remediation:
            "Drop or quarantine the rows carrying the trigger, find which source sent them, and test the current model on inputs with the trigger set.",
        }),
      );
    }
    const flagged: RowFlag[] = [];
    for (const [row, reason] of reasons) flagged.push({ row, score: rowScores[row]!, reason });
    flagged.sort((a, b) => a.row - b.row);
    return { detector: DETECTOR, rowScores, flagged, findings };
  },
};

function describeTrigger(names: string[], trigger: Trigger): string {
  return trigger.features
    .map((j, k) => {
      const name = names[j]!;
      // A one-hot feature set to 1 reads better as the category it stands for.
      return name.includes("=") && trigger.values[k] === 1
        ? name
        : `${name} = ${trigger.values[k]}`;
    })
    .join(" and ");
}
