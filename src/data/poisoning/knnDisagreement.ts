/**
 * Label disagreement with the k nearest neighbours (k = 10, Euclidean on standardised features):
 * the classic edited-nearest-neighbour idea (Wilson, "Asymptotic properties of nearest neighbor
 * rules using edited data", IEEE SMC 1972), made safe for imbalanced classes. A row is flagged
 * when at least 70% of its neighbours hold one other class j and, relative to the class
 * frequencies, j is at least 5× more present around it than its own label:
 *   lift(c) = (share of neighbours in c + 1/(2k)) / (share of c in the data),
 *   flag when share(j) ≥ 0.7 and lift(j) ≥ 5·lift(label).
 * Without the lift test a rare class (fraud) surrounded by the common one would be flagged
 * wholesale. It needs no surrogate model, so it is an independent second opinion to confident
 * learning. Above 4,000 rows neighbours are searched among a seeded sample of 4,000 rows
 * (brute force is O(n²)).
 */
import { atlas, createFinding, owaspMl } from "../../core/index.js";
import { gatherRows, knnIndex, mulberry32, permutation } from "../../learn/index.js";
import { noiseSeverity } from "./labelNoise.js";
import { percent, round } from "./numbers.js";
import type {
  DetectorResult,
  PoisoningContext,
  PoisoningDetector,
  PoisoningInput,
  RowFlag,
} from "./types.js";

export const KNN_NEIGHBOURS = 10;
const MIN_SHARE = 0.7;
const MIN_LIFT_RATIO = 5;
const MAX_REFERENCE = 4000;

export const knnDisagreement: PoisoningDetector = {
  name: "knnDisagreement",
  description: `label disagreement with the ${KNN_NEIGHBOURS} nearest neighbours (standardised features), adjusted for class frequency`,
  applies: (input: PoisoningInput) =>
    input.classes.length >= 2 && input.nRows > KNN_NEIGHBOURS * 2 && input.nFeatures > 0,
  async run(context: PoisoningContext): Promise<DetectorResult> {
    const { input } = context;
    const n = input.nRows;
    const f = input.nFeatures;
    const k = input.classes.length;
    const { reference, X: refX } = referenceRows(input);
    const index = knnIndex(refX, reference.length, f);
    // One more neighbour than needed: a row in the reference finds itself first.
    const neighbours = index.query(input.X, n, KNN_NEIGHBOURS + 1);
    const prior = new Float64Array(k);
    for (let i = 0; i < n; i++) prior[input.y[i]!]! += 1 / n;
    const isReference = new Int32Array(n).fill(-1);
    reference.forEach((row, r) => {
      isReference[row] = r;
    });

    const votes = new Float64Array(k);
    const rowScores = new Float64Array(n);
    const flagged: RowFlag[] = [];
    const pairs = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      votes.fill(0);
      let used = 0;
      for (let t = 0; t < neighbours.k && used < KNN_NEIGHBOURS; t++) {
        const r = neighbours.indices[i * neighbours.k + t]!;
        if (r < 0 || r === isReference[i]) continue;
        votes[input.y[reference[r]!]!]! += 1;
        used++;
      }
      if (used === 0) continue;
      const given = input.y[i]!;
      let other = given === 0 ? 1 : 0;
      for (let c = 0; c < k; c++) if (c !== given && votes[c]! > votes[other]!) other = c;
      const own = votes[given]! / used;
      const share = votes[other]! / used;
      const lift = (c: number, s: number) => (s + 1 / (2 * used)) / Math.max(prior[c]!, 1e-12);
      const flag = share >= MIN_SHARE && lift(other, share) >= MIN_LIFT_RATIO * lift(given, own);
      rowScores[i] = flag ? Math.max(0.5, share) : Math.min(0.49, 0.49 * (1 - own));
      if (!flag) continue;
      const key = `${input.classes[given]}→${input.classes[other]}`;
      pairs.set(key, (pairs.get(key) ?? 0) + 1);
      flagged.push({
        row: i,
        score: rowScores[i]!,
        reason: `labelled '${input.classes[given]}', ${votes[other]} of its ${used} nearest neighbours are '${input.classes[other]}'`,
      });
    }
    const findings =
      flagged.length === 0
        ? []
        : [
            createFinding({
              detector: "data.poisoning.knnDisagreement",
              title: `${flagged.length} of ${n} rows (${percent(flagged.length / n)}) carry a label their nearest neighbours contradict`,
              severity: noiseSeverity(flagged.length / n),
              confidence: round(flagged.reduce((sum, row) => sum + row.score, 0) / flagged.length),
              asset: input.asset,
              threats: [atlas("AML.T0020"), owaspMl("ML02")],
              evidence: {
                method: `${KNN_NEIGHBOURS}-nearest-neighbour label disagreement, class-frequency adjusted`,
                flaggedRows: flagged.length,
                rows: n,
                referenceRows: reference.length,
                pairs: Object.fromEntries([...pairs].sort((a, b) => b[1] - a[1]).slice(0, 10)),
              },
              remediation:
                "review the flagged rows: a label unlike every similar row is a typo, a flip, or a planted example",
            }),
          ];
    return { detector: "data.poisoning.knnDisagreement", rowScores, flagged, findings };
  },
};

function referenceRows(input: PoisoningInput): { reference: Int32Array; X: Float64Array } {
  const n = input.nRows;
  const f = input.nFeatures;
  if (n <= MAX_REFERENCE) {
    return { reference: Int32Array.from({ length: n }, (_, i) => i), X: input.X };
  }
  const reference = permutation(n, mulberry32(input.seed ^ 0x5eed))
    .subarray(0, MAX_REFERENCE)
    .sort();
  return { reference, X: gatherRows(input.X, f, reference) };
}
