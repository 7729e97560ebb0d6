/**
 * The search behind the tabular backdoor detector (backdoor.ts has the method and its sources):
 * candidate triggers — exact (feature = value) pairs and their conjunctions that a small set of
 * rows share — tested for label purity, then for the backdoor's signature: the rows' other
 * features say they belong to other classes.
 */
import { knnIndex, mulberry32, sampleWithoutReplacement, standardize } from "../../learn/index.js";
import { binomialUpperTail } from "./outliersConcentration.js";
import type { PoisoningInput } from "./types.js";

export const BACKDOOR_DEFAULTS = {
  /** A trigger is carried by at least max(5, 0.2% of rows)… */
  minSupport: 5,
  minSupportShare: 0.002,
  /** …and at most 15% of them (a value carried by more is the feature's normal, not a trigger). */
  maxSupportShare: 0.15,
  /** Share of the carriers with the target label. */
  minPurity: 0.8,
  /** Bonferroni-corrected binomial purity test level. */
  purityAlpha: 0.01,
  /**
   * Values paired into 2-feature conjunctions: the 60 candidate values with the largest excess of
   * one label over its base rate. Only rarer values (carried by ≤ 10% of rows) are paired:
   * conjunctions of common values (saturated pixels) are natural far too often to be evidence.
   */
  pairPool: 60,
  pairMaxSupportShare: 0.1,
  /** Candidates (largest nearest-centroid gap first, at least 0.15) given the neighbour check. */
  maxChecked: 8,
  minScreenGap: 0.15,
  neighbours: 10,
  referenceRows: 1000,
  queryRows: 400,
  /** Trigger-sized sets (≤ 5% of rows) are screened before larger ones. */
  typicalTriggerShare: 0.05,
  /** Many carriers must look like another class (natural carriers of the value dilute it)… */
  minDisagreement: 0.35,
  /** …more often than ordinary target rows by this much… */
  minDisagreementGap: 0.3,
  /** …and significantly (one-sided binomial against the baseline rate). */
  disagreementAlpha: 1e-3,
} as const;

export interface TriggerCandidate {
  features: number[];
  values: number[];
  /** Every row carrying the trigger, ascending. */
  rows: number[];
  target: number;
  /** Carriers labelled with the target. */
  targetRows: number[];
  purity: number;
  baseRate: number;
  /** Bonferroni-corrected binomial p-value of the purity. */
  purityP: number;
}

export interface Trigger extends TriggerCandidate {
  /** Target-labelled carriers whose neighbours vote another class (the likely poison). */
  disagreeingRows: number[];
  /** Share of the carriers whose neighbours (trigger features ignored) vote another class. */
  disagreement: number;
  /** The same share for ordinary rows of the target class. */
  baselineDisagreement: number;
  disagreementP: number;
}

/** Per-feature index of equal values: value → rows, for values with a trigger-sized support. */
function singleCandidates(input: PoisoningInput, minSupport: number, maxSupport: number) {
  const { nRows: n, nFeatures: f, X } = input;
  const out: { feature: number; value: number; rows: number[] }[] = [];
  const column = new Float64Array(n);
  for (let j = 0; j < f; j++) {
    for (let i = 0; i < n; i++) column[i] = X[i * f + j]!;
    const sorted = Float64Array.from(column).sort();
    const values: number[] = [];
    let start = 0;
    for (let i = 1; i <= n; i++) {
      if (i === n || sorted[i] !== sorted[start]) {
        const count = i - start;
        if (count >= minSupport && count <= maxSupport) values.push(sorted[start]!);
        start = i;
      }
    }
    if (values.length === 0) continue;
    const lists = new Map<number, number[]>(values.map((v) => [v, []]));
    for (let i = 0; i < n; i++) lists.get(column[i]!)?.push(i);
    for (const [value, rows] of lists) out.push({ feature: j, value, rows });
  }
  return out;
}

function purity(input: PoisoningInput, rows: number[], baseRates: Float64Array) {
  const counts = new Float64Array(input.classes.length);
  for (const r of rows) counts[input.y[r]!]!++;
  let target = 0;
  for (let k = 1; k < counts.length; k++) if (counts[k]! > counts[target]!) target = k;
  return {
    target,
    count: counts[target]!,
    purity: counts[target]! / rows.length,
    baseRate: baseRates[target]!,
    p: binomialUpperTail(counts[target]!, rows.length, baseRates[target]!),
  };
}

function intersect(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i]! < b[j]!) i++;
    else if (a[i]! > b[j]!) j++;
    else {
      out.push(a[i]!);
      i++;
      j++;
    }
  }
  return out;
}

/** `column=` prefix of a one-hot feature name, or the name itself. */
export function featureGroup(name: string): string {
  const eq = name.indexOf("=");
  return eq > 0 ? name.slice(0, eq) : name;
}

/** Candidate triggers (single values and pairs) whose carriers are near-pure in one label. */
export function pureCandidates(input: PoisoningInput): TriggerCandidate[] {
  const d = BACKDOOR_DEFAULTS;
  const n = input.nRows;
  const minSupport = Math.max(d.minSupport, Math.ceil(d.minSupportShare * n));
  const maxSupport = Math.floor(d.maxSupportShare * n);
  if (maxSupport < minSupport) return [];
  const baseRates = new Float64Array(input.classes.length);
  for (let i = 0; i < n; i++) baseRates[input.y[i]!]!++;
  for (let k = 0; k < baseRates.length; k++) baseRates[k]! /= n;

  const singles = singleCandidates(input, minSupport, maxSupport).map((c) => ({
    ...c,
    test: purity(input, c.rows, baseRates),
  }));
  const excess = (c: (typeof singles)[number]): number =>
    c.test.count - c.test.baseRate * c.rows.length;
  const pool = singles
    .filter((c) => c.rows.length <= d.pairMaxSupportShare * n)
    .sort((a, b) => excess(b) - excess(a))
    .slice(0, d.pairPool);
  const groups = input.featureNames.map(featureGroup);
  const pairs: {
    features: number[];
    values: number[];
    rows: number[];
    test: ReturnType<typeof purity>;
  }[] = [];
  for (let a = 0; a < pool.length; a++) {
    for (let b = a + 1; b < pool.length; b++) {
      const A = pool[a]!;
      const B = pool[b]!;
      if (groups[A.feature] === groups[B.feature]) continue;
      const rows = intersect(A.rows, B.rows);
      if (rows.length < minSupport || rows.length > maxSupport) continue;
      const test = purity(input, rows, baseRates);
      // A pair matters only when it is purer than either value alone.
      if (test.purity <= Math.max(A.test.purity, B.test.purity)) continue;
      const features = A.feature < B.feature ? [A.feature, B.feature] : [B.feature, A.feature];
      const values = A.feature < B.feature ? [A.value, B.value] : [B.value, A.value];
      pairs.push({ features, values, rows, test });
    }
  }
  const tests = (singles.length + pairs.length) * input.classes.length;
  const all = [
    ...singles.map((s) => ({
      features: [s.feature],
      values: [s.value],
      rows: s.rows,
      test: s.test,
    })),
    ...pairs,
  ];
  return all
    .map((c) => ({ ...c, purityP: Math.min(1, c.test.p * tests) }))
    .filter((c) => c.test.purity >= d.minPurity && c.purityP < d.purityAlpha)
    .sort((a, b) => {
      const sizeA = a.rows.length <= d.typicalTriggerShare * n ? 0 : 1;
      const sizeB = b.rows.length <= d.typicalTriggerShare * n ? 0 : 1;
      return sizeA - sizeB || a.purityP - b.purityP;
    })
    .map((c) => ({
      features: c.features,
      values: c.values,
      rows: c.rows,
      target: c.test.target,
      targetRows: c.rows.filter((r) => input.y[r] === c.test.target),
      purity: c.test.purity,
      baseRate: c.test.baseRate,
      purityP: c.purityP,
    }));
}

/**
 * The backdoor signature: carriers labelled with the target whose k nearest neighbours, by the
 * features other than the trigger's, mostly vote another class — compared with ordinary rows of
 * the target class. A value that is naturally predictive passes purity but not this: its rows
 * look like the target class in every other feature too.
 */
export function confirmTriggers(input: PoisoningInput, candidates: TriggerCandidate[]): Trigger[] {
  const d = BACKDOOR_DEFAULTS;
  const { nRows: n, nFeatures: f } = input;
  if (candidates.length === 0) return [];
  const Z = standardize(input.X, n, f).transform(input.X, n);
  const groups = input.featureNames.map(featureGroup);
  // Two stages keep the cost bounded on data full of naturally pure values (integer pixels):
  // the same question asked of class centroids (linear time) ranks every candidate, and the
  // neighbour check decides for the most promising few.
  const screen = centroidScreen(input, Z, groups);
  const screened = candidates
    .map((candidate) => ({ candidate, gap: screen(candidate) }))
    .filter((s) => s.gap >= d.minScreenGap)
    .sort((a, b) => b.gap - a.gap)
    .slice(0, d.maxChecked);
  const confirmed: Trigger[] = [];
  for (const { candidate } of screened) {
    const check = signature(input, Z, groups, candidate, d.referenceRows, d.queryRows);
    if (check === undefined) continue;
    if (
      check.disagreement >= d.minDisagreement &&
      check.gap >= d.minDisagreementGap &&
      check.pvalue < d.disagreementAlpha
    ) {
      confirmed.push({
        ...candidate,
        disagreeingRows: check.disagreeingRows,
        disagreement: check.disagreement,
        baselineDisagreement: check.baseline,
        disagreementP: check.pvalue,
      });
    }
  }
  return confirmed;
}

/**
 * Nearest-centroid version of the signature: the share of target-labelled carriers whose
 * closest class centroid (trigger features left out) is another class, minus the same share for
 * the target's other rows. Squared distances to every centroid are computed once; a candidate
 * only subtracts its left-out features.
 */
function centroidScreen(
  input: PoisoningInput,
  Z: Float64Array,
  groups: string[],
): (candidate: TriggerCandidate) => number {
  const { nRows: n, nFeatures: f } = input;
  const k = input.classes.length;
  const centroids = new Float64Array(k * f);
  const counts = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const c = input.y[i]!;
    counts[c]!++;
    for (let j = 0; j < f; j++) centroids[c * f + j]! += Z[i * f + j]!;
  }
  for (let c = 0; c < k; c++)
    for (let j = 0; j < f; j++) centroids[c * f + j]! /= Math.max(1, counts[c]!);
  const full = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < f; j++) s += (Z[i * f + j]! - centroids[c * f + j]!) ** 2;
      full[i * k + c] = s;
    }
  }
  const byClass: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) byClass[input.y[i]!]!.push(i);
  const distances = new Float64Array(k);
  return (candidate) => {
    const excludedGroups = new Set(candidate.features.map((j) => groups[j]));
    const excluded: number[] = [];
    for (let j = 0; j < f; j++) if (excludedGroups.has(groups[j]!)) excluded.push(j);
    const assignedElsewhere = (i: number): boolean => {
      for (let c = 0; c < k; c++) {
        let s = full[i * k + c]!;
        for (const j of excluded) s -= (Z[i * f + j]! - centroids[c * f + j]!) ** 2;
        distances[c] = s;
      }
      let best = 0;
      for (let c = 1; c < k; c++) if (distances[c]! < distances[best]!) best = c;
      return best !== candidate.target;
    };
    const carrier = new Set(candidate.rows);
    let q = 0;
    for (const r of candidate.targetRows) if (assignedElsewhere(r)) q++;
    let b = 0;
    let bn = 0;
    for (const r of byClass[candidate.target]!) {
      if (carrier.has(r)) continue;
      bn++;
      if (assignedElsewhere(r)) b++;
    }
    return q / candidate.targetRows.length - (bn === 0 ? 0 : b / bn);
  };
}

interface SignatureCheck {
  disagreeingRows: number[];
  disagreement: number;
  baseline: number;
  gap: number;
  pvalue: number;
}

function signature(
  input: PoisoningInput,
  Z: Float64Array,
  groups: string[],
  candidate: TriggerCandidate,
  referenceRows: number,
  queryRows: number,
): SignatureCheck | undefined {
  const d = BACKDOOR_DEFAULTS;
  const { nRows: n, nFeatures: f } = input;
  const excludedGroups = new Set(candidate.features.map((j) => groups[j]));
  const kept: number[] = [];
  for (let j = 0; j < f; j++) if (!excludedGroups.has(groups[j]!)) kept.push(j);
  if (kept.length === 0) return undefined;
  const random = mulberry32(input.seed ^ (candidate.features[0]! * 7919 + candidate.rows.length));
  const carrier = new Uint8Array(n);
  for (const r of candidate.rows) carrier[r] = 1;
  const others: number[] = [];
  const ordinaryTarget: number[] = [];
  for (let i = 0; i < n; i++) {
    if (carrier[i]) continue;
    others.push(i);
    if (input.y[i] === candidate.target) ordinaryTarget.push(i);
  }
  const reference = sample(others, referenceRows, random);
  const queries = sample(candidate.targetRows, queryRows, random);
  const baseline = sample(ordinaryTarget, queryRows, random);
  if (reference.length < d.neighbours + 1 || baseline.length === 0) return undefined;

  const index = knnIndex(project(Z, f, reference, kept), reference.length, kept.length, {
    standardize: false,
  });
  const disagreeing = (rows: number[], found: number[]): number => {
    // One extra neighbour so a query that is itself in the reference can skip itself.
    const neighbours = index.query(project(Z, f, rows, kept), rows.length, d.neighbours + 1);
    const votes = new Float64Array(input.classes.length);
    let count = 0;
    for (let q = 0; q < rows.length; q++) {
      votes.fill(0);
      let used = 0;
      for (let t = 0; t < neighbours.k && used < d.neighbours; t++) {
        const ref = reference[neighbours.indices[q * neighbours.k + t]!]!;
        if (ref === rows[q]) continue;
        votes[input.y[ref]!]!++;
        used++;
      }
      let best = 0;
      for (let k = 1; k < votes.length; k++) if (votes[k]! > votes[best]!) best = k;
      if (best !== candidate.target) {
        count++;
        found.push(rows[q]!);
      }
    }
    return count;
  };
  const disagreeingRows: number[] = [];
  const qDisagree = disagreeing(queries, disagreeingRows);
  const disagreement = qDisagree / queries.length;
  const baselineRate = disagreeing(baseline, []) / baseline.length;
  // Floor the baseline so a perfectly separable target class does not make any miss significant.
  const pvalue = binomialUpperTail(qDisagree, queries.length, Math.max(0.05, baselineRate));
  return {
    disagreeingRows,
    disagreement,
    baseline: baselineRate,
    gap: disagreement - baselineRate,
    pvalue,
  };
}

/**
 * Grows a confirmed trigger with every other feature whose value is the same on all its
 * target-labelled carriers (and uncommon in the data): a 2–3 feature trigger found through one
 * of its values is then named whole. Overlapping triggers (Jaccard ≥ 0.8 on their target rows)
 * are merged, keeping the most specific.
 */
export function completeTriggers(input: PoisoningInput, triggers: Trigger[]): Trigger[] {
  const d = BACKDOOR_DEFAULTS;
  const { nRows: n, nFeatures: f, X } = input;
  const grown = triggers.map((t) => {
    const features = [...t.features];
    const values = [...t.values];
    const first = t.targetRows[0]!;
    for (let j = 0; j < f; j++) {
      if (features.includes(j)) continue;
      const v = X[first * f + j]!;
      if (!t.targetRows.every((r) => X[r * f + j] === v)) continue;
      let support = 0;
      for (let i = 0; i < n; i++) if (X[i * f + j] === v) support++;
      if (support <= d.maxSupportShare * n) {
        features.push(j);
        values.push(v);
      }
    }
    const order = features.map((_, k) => k).sort((a, b) => features[a]! - features[b]!);
    return { ...t, features: order.map((k) => features[k]!), values: order.map((k) => values[k]!) };
  });
  const kept: Trigger[] = [];
  for (const t of grown.sort((a, b) => a.purityP - b.purityP)) {
    const overlapping = kept.findIndex((k) => jaccard(k.targetRows, t.targetRows) >= 0.8);
    if (overlapping < 0) kept.push(t);
    else if (t.features.length > kept[overlapping]!.features.length) kept[overlapping] = t;
  }
  return kept;
}

/** A seeded sample of at most `max` rows, in row order. */
function sample(rows: number[], max: number, random: () => number): number[] {
  const picked = sampleWithoutReplacement(rows, max, random);
  return picked === rows ? rows : picked.sort((a, b) => a - b);
}

function jaccard(a: number[], b: number[]): number {
  const inter = intersect(a, b).length;
  return inter / (a.length + b.length - inter);
}

function project(Z: Float64Array, f: number, rows: number[], features: number[]): Float64Array {
  const out = new Float64Array(rows.length * features.length);
  for (let q = 0; q < rows.length; q++) {
    for (let k = 0; k < features.length; k++)
      out[q * features.length + k] = Z[rows[q]! * f + features[k]!]!;
  }
  return out;
}
