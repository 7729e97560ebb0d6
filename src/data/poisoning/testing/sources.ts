/**
 * Synthetic datasets and attacks for the source-oriented poisoning detectors' tests and benches
 * (outliers, duplicates, perSource, rejectOnNegativeImpact, backdoor). Everything is seeded:
 * the same options give the same data, so a test failure reproduces.
 */
import { mulberry32, normal, type Random } from "../../../learn/index.js";
import type { LabelledData, PoisoningContext, PoisoningInput } from "../types.js";

export interface SyntheticOptions {
  rows: number;
  /** Informative numeric features (class means differ). */
  features: number;
  classes?: number;
  /** Distance scale between class means (default 1.5). */
  separation?: number;
  /** Extra pure-noise numeric features (default 0). */
  noiseFeatures?: number;
  /** Round every numeric feature to an integer after scaling by this factor (counts, scores). */
  integerScale?: number;
  /** One categorical column one-hot encoded as `cat=v0`…: number of levels (default none). */
  categoricalLevels?: number;
  /** Of those levels, how many (the last ones) are rare: about 0.1% of rows each. */
  rareLevels?: number;
  /** Number of contributors; rows are dealt round-robin after shuffling (default none). */
  sources?: number;
  /** Rows of trusted data drawn from the same distribution (default none). */
  trustedRows?: number;
  seed: number;
}

/**
 * A labelled Gaussian-mixture dataset: class k's informative features are N(μ_k, 1), μ_k drawn
 * once per dataset; a categorical column (when asked) has skewed levels weakly tied to the class.
 */
export function syntheticInput(options: SyntheticOptions): PoisoningInput {
  const random = mulberry32(options.seed);
  const classes = options.classes ?? 2;
  const separation = options.separation ?? 1.5;
  const informative = options.features;
  const noise = options.noiseFeatures ?? 0;
  const levels = options.categoricalLevels ?? 0;
  const numeric = informative + noise;
  const nFeatures = numeric + levels;
  const means = new Float64Array(classes * informative);
  for (let i = 0; i < means.length; i++) means[i] = separation * normal(random);
  const rare = options.rareLevels ?? 0;
  const levelWeights = Array.from({ length: levels }, (_, l) => 1 / (l + 1));
  const common = levelWeights.slice(0, levels - rare).reduce((s, w) => s + w, 0);
  for (let l = levels - rare; l < levels; l++) levelWeights[l] = 0.001 * common;

  const draw = (rows: number): LabelledData => {
    const X = new Float64Array(rows * nFeatures);
    const y = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      const label = Math.floor(random() * classes);
      y[i] = label;
      const base = i * nFeatures;
      for (let j = 0; j < numeric; j++) {
        const centre = j < informative ? means[label * informative + j]! : 0;
        let v = centre + normal(random);
        if (options.integerScale !== undefined) v = Math.round(v * options.integerScale);
        X[base + j] = v;
      }
      if (levels > 0) {
        // Class shifts the level distribution a little, so the column carries some signal.
        const weights = levelWeights.map((w, l) => (l % classes === label ? 2 * w : w));
        X[base + numeric + pickWeighted(weights, random)] = 1;
      }
    }
    return { X, y, nRows: rows, nFeatures, featureNames: names(), classes: classNames() };
  };
  const names = (): string[] => [
    ...Array.from({ length: informative }, (_, j) => `f${j}`),
    ...Array.from({ length: noise }, (_, j) => `noise${j}`),
    ...Array.from({ length: levels }, (_, l) => `cat=v${l}`),
  ];
  const classNames = (): string[] => Array.from({ length: classes }, (_, k) => `class${k}`);

  const data = draw(options.rows);
  const input: PoisoningInput = {
    ...data,
    asset: { kind: "dataset", id: "synthetic" },
    seed: options.seed,
  };
  if (options.sources !== undefined) {
    const codes = new Int32Array(options.rows);
    for (let i = 0; i < options.rows; i++) codes[i] = i % options.sources;
    input.sources = {
      codes,
      names: Array.from({ length: options.sources }, (_, s) => `source${s}`),
    };
  }
  if (options.trustedRows !== undefined) input.trusted = draw(options.trustedRows);
  return input;
}

function pickWeighted(weights: number[], random: Random): number {
  const total = weights.reduce((s, w) => s + w, 0);
  let u = random() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** A copy of `input` with `extra` rows appended (features, labels, optional source codes). */
export function appendRows(
  input: PoisoningInput,
  extra: { X: Float64Array; y: Int32Array; source?: number },
): PoisoningInput {
  const added = extra.y.length;
  const X = new Float64Array(input.X.length + extra.X.length);
  X.set(input.X);
  X.set(extra.X, input.X.length);
  const y = new Int32Array(input.nRows + added);
  y.set(input.y);
  y.set(extra.y, input.nRows);
  const out: PoisoningInput = { ...input, X, y, nRows: input.nRows + added };
  if (input.sources !== undefined) {
    const codes = new Int32Array(input.nRows + added);
    codes.set(input.sources.codes);
    codes.fill(extra.source ?? 0, input.nRows);
    out.sources = { codes, names: input.sources.names };
  }
  return out;
}

/**
 * A duplicate flood: `copies` copies of row `row` appended (with Gaussian jitter of `jitter`
 * feature standard deviations when near-duplicates are wanted), labelled `label` (default the
 * row's own label: a conflicting label is label-flip evidence), all from `source`.
 */
export function plantDuplicateFlood(
  input: PoisoningInput,
  options: {
    row: number;
    copies: number;
    label?: number;
    jitter?: number;
    source?: number;
    seed: number;
  },
): { input: PoisoningInput; rows: number[] } {
  const random = mulberry32(options.seed);
  const f = input.nFeatures;
  const sd = columnStd(input);
  const X = new Float64Array(options.copies * f);
  for (let c = 0; c < options.copies; c++) {
    for (let j = 0; j < f; j++) {
      const v = input.X[options.row * f + j]!;
      X[c * f + j] =
        options.jitter === undefined ? v : v + options.jitter * sd[j]! * normal(random);
    }
  }
  const y = new Int32Array(options.copies).fill(options.label ?? input.y[options.row]!);
  const out = appendRows(input, {
    X,
    y,
    ...(options.source === undefined ? {} : { source: options.source }),
  });
  return { input: out, rows: range(input.nRows, out.nRows) };
}

/**
 * A tabular backdoor (Chen et al. 2017 "Targeted backdoor attacks…" adapted to tables, as in
 * Joe et al. 2021): a `fraction` of rows of other classes get the trigger values written on the
 * trigger features and are relabelled `target`. Returns the poisoned row indices.
 */
export function plantBackdoor(
  input: PoisoningInput,
  options: {
    fraction: number;
    trigger: { feature: number; value: number }[];
    target: number;
    seed: number;
  },
): { input: PoisoningInput; rows: number[] } {
  const random = mulberry32(options.seed);
  const X = Float64Array.from(input.X);
  const y = Int32Array.from(input.y);
  const count = Math.max(1, Math.round(options.fraction * input.nRows));
  const candidates = range(0, input.nRows).filter((i) => y[i] !== options.target);
  shuffle(candidates, random);
  const rows = candidates.slice(0, count).sort((a, b) => a - b);
  const f = input.nFeatures;
  for (const row of rows) {
    for (const { feature, value } of options.trigger) {
      // One-hot trigger: clear the column's other levels so the encoding stays valid.
      const name = input.featureNames[feature]!;
      const eq = name.indexOf("=");
      if (eq > 0) {
        const prefix = name.slice(0, eq + 1);
        input.featureNames.forEach((other, j) => {
          if (other.startsWith(prefix)) X[row * f + j] = 0;
        });
      }
      X[row * f + feature] = value;
    }
    y[row] = options.target;
  }
  return { input: { ...input, X, y }, rows };
}

/** Flips the labels of `fraction` of one source's rows to another class (the next one). */
export function flipSourceLabels(
  input: PoisoningInput,
  options: { source: number; fraction: number; seed: number },
): { input: PoisoningInput; rows: number[] } {
  if (input.sources === undefined) throw new Error("flipSourceLabels needs sources");
  const random = mulberry32(options.seed);
  const own = range(0, input.nRows).filter((i) => input.sources!.codes[i] === options.source);
  shuffle(own, random);
  const rows = own.slice(0, Math.round(options.fraction * own.length)).sort((a, b) => a - b);
  const y = Int32Array.from(input.y);
  const k = input.classes.length;
  for (const row of rows) y[row] = (y[row]! + 1 + Math.floor(random() * (k - 1))) % k;
  return { input: { ...input, y }, rows };
}

/** A context for detectors that do not need out-of-fold probabilities. */
export function plainContext(input: PoisoningInput): PoisoningContext {
  return {
    input,
    outOfFold(): Promise<Float64Array> {
      throw new Error("this test's context has no out-of-fold probabilities");
    },
  };
}

/** Row-wise boolean mask of the given rows, for AUROC. */
export function maskOf(rows: number[], nRows: number): Uint8Array {
  const mask = new Uint8Array(nRows);
  for (const r of rows) mask[r] = 1;
  return mask;
}

function columnStd(data: LabelledData): Float64Array {
  const f = data.nFeatures;
  const mean = new Float64Array(f);
  const sq = new Float64Array(f);
  for (let i = 0; i < data.nRows; i++) {
    for (let j = 0; j < f; j++) mean[j]! += data.X[i * f + j]!;
  }
  for (let j = 0; j < f; j++) mean[j]! /= data.nRows;
  for (let i = 0; i < data.nRows; i++) {
    for (let j = 0; j < f; j++) sq[j]! += (data.X[i * f + j]! - mean[j]!) ** 2;
  }
  return sq.map((s) => Math.sqrt(s / data.nRows) || 1);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

function shuffle(values: number[], random: Random): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = values[i]!;
    values[i] = values[j]!;
    values[j] = tmp;
  }
}
