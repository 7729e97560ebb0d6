/**
 * Duplicate floods: an attacker who cannot craft a clever point can still repeat one (or jitter
 * it slightly) hundreds of times, to drag the decision boundary or, with a flipped label, to teach
 * the model the wrong answer for a region (the "dictionary"/"focused" attacks of Nelson et al.
 * 2008 are the classic; any label-flip by replication looks like this).
 *
 * Exact duplicates: rows whose encoded feature values are bit-identical (−0 and 0 equal). Near
 * duplicates: p-stable random-projection LSH (Datar, Immorlica, Indyk, Mirrokni 2004) on
 * standardised features: 4 tables × 4 Gaussian projections, bucket width 4ε; inside a bucket a
 * row joins the first "leader" within Euclidean distance ε (checked exactly), and groups found
 * in any table are merged (union–find). ε = min(0.05·√d, ¼ · the median nearest-neighbour
 * distance of up to 200 sampled rows): near duplicates must be much closer than ordinary
 * neighbours, so a dense low-dimensional dataset does not collapse into one group, and data full
 * of exact duplicates (all-categorical) gets ε = 0 (only exact copies count).
 *
 * A flood is a group much larger than the dataset's normal duplication: at least
 * max(10, 10 × the row-weighted median group size). Severity: a flood is `medium`; `high` when
 * its rows carry conflicting labels (same features, different labels: label-flip evidence) or
 * ≥ 90% of them come from one source among several. Outside floods, exact duplicates with
 * conflicting labels are `medium` when rows are normally unique (median group size 1) and there
 * are at least 3 such groups, `low` below that; in data where duplicates are the norm they are
 * ordinary label noise and not reported here.
 */
import { atlas, createFinding, type Finding, owaspMl } from "../../core/index.js";
import { mulberry32, normal } from "../../learn/index.js";
import type {
  DetectorResult,
  PoisoningContext,
  PoisoningDetector,
  PoisoningInput,
  RowFlag,
} from "./types.js";

export const DUPLICATE_DEFAULTS = {
  minFlood: 10,
  floodFactor: 10,
  /** Share of a flood from one source that makes it single-source. */
  singleSourceShare: 0.9,
  /** Per-feature RMS distance cap for near duplicates, in standard deviations. */
  nearRadius: 0.05,
  /** ε is at most this fraction of the median nearest-neighbour distance. */
  nearToNeighbour: 0.25,
  lshTables: 4,
  lshProjections: 4,
  neighbourSample: 200,
  minConflictGroups: 3,
} as const;

const DETECTOR = "data.poisoning.duplicates";

export interface DuplicateGroup {
  rows: number[];
  /** Rows per class index. */
  labelCounts: number[];
  /** Rows per source index, when sources are known. */
  sourceCounts?: number[];
  exact: boolean;
}

export const duplicates: PoisoningDetector = {
  name: "duplicates",
  description: "Exact and near-duplicate floods, conflicting labels on identical rows",
  applies: (input) => input.nRows >= 2,
  async run(context: PoisoningContext): Promise<DetectorResult> {
    const { input } = context;
    const d = DUPLICATE_DEFAULTS;
    const exactOf = exactGroups(input);
    const Z = standardised(input);
    const epsilon = nearRadius(input, Z, exactOf);
    const nearOf = epsilon > 0 ? nearGroups(input, Z, epsilon, exactOf) : exactOf;

    const exactSizes = groupSizes(exactOf);
    const nearSizes = groupSizes(nearOf);
    const typical = rowWeightedMedian(nearOf, nearSizes);
    const typicalExact = rowWeightedMedian(exactOf, exactSizes);
    const floodSize = Math.max(d.minFlood, d.floodFactor * typical);
    let duplicatedRows = 0;
    for (let i = 0; i < input.nRows; i++) if (exactSizes[exactOf[i]!]! > 1) duplicatedRows++;

    const rowScores = new Float64Array(input.nRows);
    const reasons = new Map<number, string>();
    const findings: Finding[] = [];
    const threats = [atlas("AML.T0020"), owaspMl("ML02")];
    const baseEvidence = {
      duplicateRate: duplicatedRows / input.nRows,
      typicalGroupSize: typical,
      floodSize,
      nearRadius: epsilon,
    };

    for (const group of collectGroups(input, nearOf, nearSizes, floodSize, exactOf)) {
      const size = group.rows.length;
      const labelsPresent = group.labelCounts.filter((c) => c > 0).length;
      const conflicting = labelsPresent > 1;
      const topSource = group.sourceCounts === undefined ? -1 : argMax(group.sourceCounts);
      const singleSource =
        topSource >= 0 &&
        input.sources!.names.length > 1 &&
        group.sourceCounts![topSource]! >= d.singleSourceShare * size;
      const labelText = describeLabels(group.labelCounts, input.classes);
      const kind = group.exact ? "identical" : "near-identical";
      const score = Math.min(1, 0.6 + (conflicting ? 0.2 : 0) + (singleSource ? 0.2 : 0));
      for (const row of group.rows) {
        rowScores[row] = Math.max(rowScores[row]!, score);
        reasons.set(
          row,
          `one of ${size} ${kind} rows (normal groups have ${typical}), labelled ${labelText}${
            singleSource
              ? `, ${group.sourceCounts![topSource]} from '${input.sources!.names[topSource]}'`
              : ""
          }`,
        );
      }
      findings.push(
        createFinding({
          detector: DETECTOR,
          title: `Duplicate flood: ${size} ${kind} rows${conflicting ? " with conflicting labels" : ""}${
            singleSource ? ` from source '${input.sources!.names[topSource]}'` : ""
          }`,
          severity: conflicting || singleSource ? "high" : "medium",
          confidence: conflicting || singleSource ? 0.85 : 0.6,
          asset: input.asset,
          threats,
          evidence: {
            ...baseEvidence,
            rows: group.rows.slice(0, 100),
            size,
            exact: group.exact,
            labels: Object.fromEntries(
              group.labelCounts.flatMap((c, k) => (c > 0 ? [[input.classes[k]!, c]] : [])),
            ),
            ...(group.sourceCounts === undefined
              ? {}
              : {
                  sources: Object.fromEntries(
                    group.sourceCounts.flatMap((c, s) =>
                      c > 0 ? [[input.sources!.names[s]!, c]] : [],
                    ),
                  ),
                }),
          },
          remediation:
            "Keep one copy of the repeated row, check where the copies came from and quarantine that source's batch until reviewed.",
        }),
      );
    }

    // Identical features with different labels, outside floods: label-flip evidence when rows are
    // normally unique.
    if (typicalExact <= 1) {
      const conflicts = conflictingExactGroups(input, exactOf, exactSizes, rowScores);
      if (conflicts.length > 0) {
        const rows = conflicts.flat();
        for (const group of conflicts) {
          const labels = describeLabels(countLabels(input, group), input.classes);
          for (const row of group) {
            rowScores[row] = Math.max(rowScores[row]!, 0.5);
            reasons.set(
              row,
              `identical features to ${group.length - 1} other row(s) labelled ${labels}`,
            );
          }
        }
        findings.push(
          createFinding({
            detector: DETECTOR,
            title: `${conflicts.length} group${conflicts.length === 1 ? "" : "s"} of identical rows with conflicting labels`,
            severity: conflicts.length >= d.minConflictGroups ? "medium" : "low",
            confidence: conflicts.length >= d.minConflictGroups ? 0.6 : 0.3,
            asset: input.asset,
            threats,
            evidence: { ...baseEvidence, groups: conflicts.slice(0, 50), rowCount: rows.length },
            remediation:
              "Identical inputs cannot have two right answers: check which label is correct and where the other came from.",
          }),
        );
      }
    }

    const flagged: RowFlag[] = [];
    for (let i = 0; i < input.nRows; i++) {
      const reason = reasons.get(i);
      if (reason !== undefined) flagged.push({ row: i, score: rowScores[i]!, reason });
    }
    return { detector: DETECTOR, rowScores, flagged, findings };
  },
};

/** Group id per row: rows with bit-identical features (−0 normalised to 0) share one. */
export function exactGroups(data: {
  X: Float64Array;
  nRows: number;
  nFeatures: number;
}): Int32Array {
  const f = data.nFeatures;
  const scratch = new Float64Array(f);
  const bytes = new Uint8Array(scratch.buffer);
  const ids = new Map<string, number>();
  const groupOf = new Int32Array(data.nRows);
  for (let i = 0; i < data.nRows; i++) {
    for (let j = 0; j < f; j++) {
      const v = data.X[i * f + j]!;
      scratch[j] = v === 0 ? 0 : v;
    }
    const key = Buffer.from(bytes).toString("latin1");
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
    }
    groupOf[i] = id;
  }
  return groupOf;
}

function groupSizes(groupOf: Int32Array): Int32Array {
  let max = -1;
  for (const g of groupOf) if (g > max) max = g;
  const sizes = new Int32Array(max + 1);
  for (const g of groupOf) sizes[g]!++;
  return sizes;
}

/** The size of the group the median row belongs to. */
function rowWeightedMedian(groupOf: Int32Array, sizes: Int32Array): number {
  const perRow = new Int32Array(groupOf.length);
  for (let i = 0; i < groupOf.length; i++) perRow[i] = sizes[groupOf[i]!]!;
  perRow.sort();
  return perRow.length === 0 ? 1 : perRow[Math.floor((perRow.length - 1) / 2)]!;
}

function standardised(input: PoisoningInput): Float64Array {
  const { nRows: n, nFeatures: f } = input;
  const mean = new Float64Array(f);
  const sd = new Float64Array(f);
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) mean[j]! += input.X[i * f + j]!;
  for (let j = 0; j < f; j++) mean[j]! /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) sd[j]! += (input.X[i * f + j]! - mean[j]!) ** 2;
  }
  for (let j = 0; j < f; j++) sd[j] = Math.sqrt(sd[j]! / n) || 1;
  const Z = new Float64Array(n * f);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) Z[i * f + j] = (input.X[i * f + j]! - mean[j]!) / sd[j]!;
  }
  return Z;
}

function distance(Z: Float64Array, f: number, a: number, b: number): number {
  let s = 0;
  for (let j = 0; j < f; j++) {
    const diff = Z[a * f + j]! - Z[b * f + j]!;
    s += diff * diff;
  }
  return Math.sqrt(s);
}

/** ε for near duplicates (see the header), 0 when exact copies are the norm. */
function nearRadius(input: PoisoningInput, Z: Float64Array, exactOf: Int32Array): number {
  const d = DUPLICATE_DEFAULTS;
  const { nRows: n, nFeatures: f } = input;
  if (n < 3) return 0;
  const random = mulberry32(input.seed ^ 0x5eed);
  const samples = Math.min(d.neighbourSample, n);
  const nearest = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    const a = n <= d.neighbourSample ? s : Math.floor(random() * n);
    let best = Number.POSITIVE_INFINITY;
    for (let b = 0; b < n; b++) {
      if (b === a) continue;
      // An exact copy is at distance 0: it counts, so duplicate-heavy data gets ε = 0.
      const dist = exactOf[a] === exactOf[b] ? 0 : distance(Z, f, a, b);
      if (dist < best) best = dist;
      if (best === 0) break;
    }
    nearest[s] = best;
  }
  nearest.sort();
  const median = nearest[Math.floor((samples - 1) / 2)]!;
  return Math.min(d.nearRadius * Math.sqrt(f), d.nearToNeighbour * median);
}

/** Group id per row for near duplicates (LSH + exact distance check + union–find). */
function nearGroups(
  input: PoisoningInput,
  Z: Float64Array,
  epsilon: number,
  exactOf: Int32Array,
): Int32Array {
  const d = DUPLICATE_DEFAULTS;
  const { nRows: n, nFeatures: f } = input;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number): number => {
    let r = x;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[x] !== r) {
      const next = parent[x]!;
      parent[x] = r;
      x = next;
    }
    return r;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  // Exact copies are near copies at distance 0.
  const firstOfExact = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const first = firstOfExact.get(exactOf[i]!);
    if (first === undefined) firstOfExact.set(exactOf[i]!, i);
    else union(first, i);
  }

  const random = mulberry32(input.seed ^ 0x15d);
  const width = 4 * epsilon;
  const k = d.lshProjections;
  const projections = new Float64Array(k * f);
  const offsets = new Float64Array(k);
  const key = new Int32Array(k);
  for (let t = 0; t < d.lshTables; t++) {
    for (let p = 0; p < k * f; p++) projections[p] = normal(random);
    for (let p = 0; p < k; p++) offsets[p] = random() * width;
    const leaders = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < k; p++) {
        let dot = offsets[p]!;
        for (let j = 0; j < f; j++) dot += projections[p * f + j]! * Z[i * f + j]!;
        key[p] = Math.floor(dot / width);
      }
      const bucket = key.join(",");
      const list = leaders.get(bucket);
      if (list === undefined) {
        leaders.set(bucket, [i]);
        continue;
      }
      let joined = false;
      for (const leader of list) {
        if (distance(Z, f, i, leader) <= epsilon) {
          union(leader, i);
          joined = true;
          break;
        }
      }
      if (!joined) list.push(i);
    }
  }
  const ids = new Map<number, number>();
  const groupOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const root = find(i);
    let id = ids.get(root);
    if (id === undefined) {
      id = ids.size;
      ids.set(root, id);
    }
    groupOf[i] = id;
  }
  return groupOf;
}

/** Groups at or above the flood size, largest first, with their label and source counts. */
function collectGroups(
  input: PoisoningInput,
  groupOf: Int32Array,
  sizes: Int32Array,
  floodSize: number,
  exactOf: Int32Array,
): DuplicateGroup[] {
  const members = new Map<number, number[]>();
  for (let i = 0; i < input.nRows; i++) {
    const g = groupOf[i]!;
    if (sizes[g]! < floodSize) continue;
    const list = members.get(g);
    if (list === undefined) members.set(g, [i]);
    else list.push(i);
  }
  return [...members.values()]
    .sort((a, b) => b.length - a.length)
    .map((rows) => {
      const group: DuplicateGroup = {
        rows,
        labelCounts: countLabels(input, rows),
        exact: rows.every((r) => exactOf[r] === exactOf[rows[0]!]),
      };
      if (input.sources !== undefined) {
        const counts = new Array<number>(input.sources.names.length).fill(0);
        for (const r of rows) {
          const s = input.sources.codes[r]!;
          if (s >= 0) counts[s]!++;
        }
        group.sourceCounts = counts;
      }
      return group;
    });
}

/** Exact-feature groups (of rows not already scored as a flood) holding more than one label. */
function conflictingExactGroups(
  input: PoisoningInput,
  exactOf: Int32Array,
  sizes: Int32Array,
  floodScores: Float64Array,
): number[][] {
  const members = new Map<number, number[]>();
  for (let i = 0; i < input.nRows; i++) {
    const g = exactOf[i]!;
    if (sizes[g]! < 2 || floodScores[i]! > 0) continue;
    const list = members.get(g);
    if (list === undefined) members.set(g, [i]);
    else list.push(i);
  }
  return [...members.values()].filter((rows) => rows.some((r) => input.y[r] !== input.y[rows[0]!]));
}

function countLabels(input: PoisoningInput, rows: number[]): number[] {
  const counts = new Array<number>(input.classes.length).fill(0);
  for (const r of rows) counts[input.y[r]!]!++;
  return counts;
}

function describeLabels(counts: number[], classes: string[]): string {
  return counts.flatMap((c, k) => (c > 0 ? [`'${classes[k]}' ×${c}`] : [])).join(", ");
}

function argMax(values: number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
