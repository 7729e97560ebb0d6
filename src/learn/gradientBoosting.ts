/**
 * Histogram-based gradient-boosted trees, after LightGBM (Ke et al., NeurIPS 2017) and
 * scikit-learn's HistGradientBoostingClassifier, whose defaults it takes: learning rate 0.1,
 * 100 rounds, leaf-wise growth to at most 31 leaves, min 20 rows per leaf, no L2 on leaf values,
 * binary log loss or softmax (one tree per class per round), no early stopping. Features are cut
 * into up to 64 quantile bins (sklearn uses 255; 64 loses little on tabular data and halves the
 * histogram work). Nothing is random, so `seed` changes nothing. Histograms are built for the smaller child only; the larger one is the
 * parent's minus it.
 */
import type { Classifier, TrainingSet } from "./types.js";

export interface GradientBoostingOptions {
  seed: number;
  rounds?: number;
  learningRate?: number;
  maxLeaves?: number;
  minRowsPerLeaf?: number;
  maxBins?: number;
  /** L2 penalty on leaf values. */
  l2?: number;
  maxDepth?: number;
}

interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaf value (already scaled by the learning rate); internal nodes have left ≥ 0. */
  value: Float64Array;
}

const MIN_HESSIAN = 1e-3;

export function fitGradientBoosting(
  data: TrainingSet,
  options: GradientBoostingOptions,
): Classifier {
  const { nRows: n, nFeatures: f, nClasses } = data;
  const rounds = options.rounds ?? 100;
  const lr = options.learningRate ?? 0.1;
  const maxLeaves = options.maxLeaves ?? 31;
  const minLeaf = options.minRowsPerLeaf ?? 20;
  const maxBins = Math.min(255, Math.max(2, options.maxBins ?? 64));
  const l2 = options.l2 ?? 0;
  const maxDepth = options.maxDepth ?? 12;
  const k = nClasses <= 2 ? 1 : nClasses;
  const weights = data.weights;

  const edges = binEdges(data.X, n, f, maxBins);
  const bins = binMatrix(data.X, n, f, edges);
  const nBins = new Int32Array(f);
  for (let j = 0; j < f; j++) nBins[j] = edges[j]!.length + 1;

  // Initial raw scores: log-odds / log-prior of the (weighted) class frequencies.
  const prior = new Float64Array(nClasses);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weights === undefined ? 1 : weights[i]!;
    prior[data.y[i]!]! += w;
    total += w;
  }
  const init = new Float64Array(k);
  if (k === 1) {
    const p = clamp((prior[1] ?? 0) / total, 1e-6, 1 - 1e-6);
    init[0] = Math.log(p / (1 - p));
  } else {
    for (let c = 0; c < k; c++) init[c] = Math.log(clamp(prior[c]! / total, 1e-6, 1));
  }
  const raw = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) raw[i * k + c] = init[c]!;

  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const prob = new Float64Array(k);
  const trees: Tree[] = [];
  const grower = new TreeGrower(bins, n, f, nBins, edges, {
    maxLeaves,
    minLeaf,
    l2,
    maxDepth,
    lr,
  });
  const probs = new Float64Array(n * k);
  for (let round = 0; round < rounds; round++) {
    // Gradients for every class come from the scores at the start of the round, as in sklearn.
    for (let i = 0; i < n; i++) {
      if (k === 1) probs[i] = sigmoid(raw[i]!);
      else {
        softmaxInto(raw, i * k, k, prob);
        probs.set(prob, i * k);
      }
    }
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < n; i++) {
        const w = weights === undefined ? 1 : weights[i]!;
        const p = probs[i * k + c]!;
        const target = k === 1 ? (data.y[i] === 1 ? 1 : 0) : data.y[i] === c ? 1 : 0;
        grad[i] = w * (p - target);
        hess[i] = w * Math.max(p * (1 - p), 1e-16);
      }
      trees.push(grower.grow(grad, hess, raw, k, c));
    }
  }

  return {
    nClasses: Math.max(2, nClasses),
    nFeatures: f,
    predictProba(X: Float64Array, rows: number): Float64Array {
      const outK = Math.max(2, nClasses);
      const out = new Float64Array(rows * outK);
      const scores = new Float64Array(k);
      for (let i = 0; i < rows; i++) {
        scores.set(init);
        for (let t = 0; t < trees.length; t++) {
          scores[t % k]! += predictTree(trees[t]!, X, i * f);
        }
        if (k === 1) {
          const p = sigmoid(scores[0]!);
          out[i * 2] = 1 - p;
          out[i * 2 + 1] = p;
        } else {
          softmaxInto(scores, 0, k, prob);
          out.set(prob, i * k);
        }
      }
      return out;
    },
  };
}

function predictTree(tree: Tree, X: Float64Array, base: number): number {
  let node = 0;
  while (tree.left[node]! >= 0) {
    node =
      X[base + tree.feature[node]!]! <= tree.threshold[node]!
        ? tree.left[node]!
        : tree.right[node]!;
  }
  return tree.value[node]!;
}

/** Cut points per feature: midpoints between distinct values, or quantiles when there are many. */
function binEdges(X: Float64Array, n: number, f: number, maxBins: number): Float64Array[] {
  const edges: Float64Array[] = [];
  // Quantiles of a strided subsample are as good as of the whole column for binning.
  const step = Math.max(1, Math.floor(n / 50_000));
  const column = new Float64Array(Math.ceil(n / step));
  for (let j = 0; j < f; j++) {
    let m = 0;
    for (let i = 0; i < n; i += step) column[m++] = X[i * f + j]!;
    const sorted = column.subarray(0, m).sort();
    const distinct: number[] = [];
    for (let i = 0; i < m; i++)
      if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
    const cuts: number[] = [];
    if (distinct.length <= maxBins) {
      for (let i = 1; i < distinct.length; i++) cuts.push((distinct[i - 1]! + distinct[i]!) / 2);
    } else {
      for (let b = 1; b < maxBins; b++) {
        const q = sorted[Math.min(m - 1, Math.floor((b * m) / maxBins))]!;
        if (cuts.length === 0 || q > cuts[cuts.length - 1]!) cuts.push(q);
      }
    }
    edges.push(Float64Array.from(cuts));
  }
  return edges;
}

/** Row-major bin indices: bin(x) = number of cut points strictly below x. */
function binMatrix(X: Float64Array, n: number, f: number, edges: Float64Array[]): Uint8Array {
  const bins = new Uint8Array(n * f);
  for (let j = 0; j < f; j++) {
    const cuts = edges[j]!;
    for (let i = 0; i < n; i++) {
      const x = X[i * f + j]!;
      let lo = 0;
      let hi = cuts.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cuts[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      bins[i * f + j] = lo;
    }
  }
  return bins;
}

interface GrowOptions {
  maxLeaves: number;
  minLeaf: number;
  l2: number;
  maxDepth: number;
  lr: number;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  hist: Float64Array;
  G: number;
  H: number;
  gain: number;
  feature: number;
  bin: number;
}

/** Grows one tree at a time on shared buffers (row order, histograms). */
class TreeGrower {
  private readonly order: Int32Array;
  private readonly histSize: number;
  private readonly offsets: Int32Array;
  constructor(
    private readonly bins: Uint8Array,
    private readonly n: number,
    private readonly f: number,
    private readonly nBins: Int32Array,
    private readonly edges: Float64Array[],
    private readonly options: GrowOptions,
  ) {
    this.order = new Int32Array(n);
    this.offsets = new Int32Array(f + 1);
    for (let j = 0; j < f; j++) this.offsets[j + 1] = this.offsets[j]! + nBins[j]!;
    // grad, hess, count per (feature, bin)
    this.histSize = 3 * this.offsets[f]!;
  }

  grow(grad: Float64Array, hess: Float64Array, raw: Float64Array, k: number, c: number): Tree {
    const { maxLeaves, lr, l2 } = this.options;
    const order = this.order;
    for (let i = 0; i < this.n; i++) order[i] = i;
    const size = 2 * maxLeaves - 1;
    const tree: Tree = {
      feature: new Int32Array(size),
      threshold: new Float64Array(size),
      left: new Int32Array(size).fill(-1),
      right: new Int32Array(size).fill(-1),
      value: new Float64Array(size),
    };
    let nodes = 1;
    const root = this.makeLeaf(
      0,
      0,
      this.n,
      0,
      this.buildHistogram(0, this.n, grad, hess),
      grad,
      hess,
    );
    const leaves: Leaf[] = [root];
    while (leaves.length < maxLeaves) {
      let best = -1;
      for (let i = 0; i < leaves.length; i++) {
        if (leaves[i]!.gain > 0 && (best < 0 || leaves[i]!.gain > leaves[best]!.gain)) best = i;
      }
      if (best < 0) break;
      const leaf = leaves[best]!;
      const mid = this.partition(leaf.start, leaf.end, leaf.feature, leaf.bin);
      const leftNode = nodes++;
      const rightNode = nodes++;
      tree.feature[leaf.node] = leaf.feature;
      tree.threshold[leaf.node] = this.edges[leaf.feature]![leaf.bin]!;
      tree.left[leaf.node] = leftNode;
      tree.right[leaf.node] = rightNode;
      const leftSmaller = mid - leaf.start <= leaf.end - mid;
      const small = leftSmaller
        ? this.buildHistogram(leaf.start, mid, grad, hess)
        : this.buildHistogram(mid, leaf.end, grad, hess);
      const large = leaf.hist;
      for (let i = 0; i < this.histSize; i++) large[i]! -= small[i]!;
      const leftHist = leftSmaller ? small : large;
      const rightHist = leftSmaller ? large : small;
      const depth = leaf.depth + 1;
      leaves.splice(
        best,
        1,
        this.makeLeaf(leftNode, leaf.start, mid, depth, leftHist, grad, hess),
        this.makeLeaf(rightNode, mid, leaf.end, depth, rightHist, grad, hess),
      );
    }
    for (const leaf of leaves) {
      const value = (-leaf.G / (leaf.H + l2)) * lr;
      tree.value[leaf.node] = value;
      for (let p = leaf.start; p < leaf.end; p++) raw[order[p]! * k + c]! += value;
    }
    return tree;
  }

  private buildHistogram(start: number, end: number, grad: Float64Array, hess: Float64Array) {
    const hist = new Float64Array(this.histSize);
    const { bins, f, order, offsets } = this;
    for (let p = start; p < end; p++) {
      const i = order[p]!;
      const g = grad[i]!;
      const h = hess[i]!;
      const base = i * f;
      for (let j = 0; j < f; j++) {
        const slot = 3 * (offsets[j]! + bins[base + j]!);
        hist[slot]! += g;
        hist[slot + 1]! += h;
        hist[slot + 2]! += 1;
      }
    }
    return hist;
  }

  private makeLeaf(
    node: number,
    start: number,
    end: number,
    depth: number,
    hist: Float64Array,
    grad: Float64Array,
    hess: Float64Array,
  ): Leaf {
    let G = 0;
    let H = 0;
    for (let p = start; p < end; p++) {
      G += grad[this.order[p]!]!;
      H += hess[this.order[p]!]!;
    }
    const leaf: Leaf = { node, start, end, depth, hist, G, H, gain: 0, feature: -1, bin: -1 };
    const count = end - start;
    const { minLeaf, l2, maxDepth } = this.options;
    if (depth >= maxDepth || count < 2 * minLeaf) return leaf;
    const parentScore = (G * G) / (H + l2);
    for (let j = 0; j < this.f; j++) {
      let gl = 0;
      let hl = 0;
      let nl = 0;
      const offset = 3 * this.offsets[j]!;
      for (let b = 0; b < this.nBins[j]! - 1; b++) {
        gl += hist[offset + 3 * b]!;
        hl += hist[offset + 3 * b + 1]!;
        nl += hist[offset + 3 * b + 2]!;
        const nr = count - nl;
        if (nl < minLeaf) continue;
        if (nr < minLeaf) break;
        const hr = H - hl;
        if (hl < MIN_HESSIAN || hr < MIN_HESSIAN) continue;
        const gr = G - gl;
        const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parentScore;
        if (gain > leaf.gain + 1e-12) {
          leaf.gain = gain;
          leaf.feature = j;
          leaf.bin = b;
        }
      }
    }
    return leaf;
  }

  /** Rows with bin ≤ `bin` first; returns where the right child starts. */
  private partition(start: number, end: number, feature: number, bin: number): number {
    const { order, bins, f } = this;
    let lo = start;
    let hi = end - 1;
    while (lo <= hi) {
      if (bins[order[lo]! * f + feature]! <= bin) lo++;
      else {
        const tmp = order[lo]!;
        order[lo] = order[hi]!;
        order[hi] = tmp;
        hi--;
      }
    }
    return lo;
  }
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function softmaxInto(raw: Float64Array, offset: number, k: number, out: Float64Array): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < k; c++) if (raw[offset + c]! > max) max = raw[offset + c]!;
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const e = Math.exp(raw[offset + c]! - max);
    out[c] = e;
    sum += e;
  }
  for (let c = 0; c < k; c++) out[c]! /= sum;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
