/**
 * Isolation Forest: Liu, Ting, Zhou, "Isolation Forest", ICDM 2008 (and the 2012 TKDD paper
 * "Isolation-Based Anomaly Detection"). Anomalies are few and different, so random axis-parallel
 * splits isolate them in fewer steps than normal points.
 *
 * Defaults are the paper's (and scikit-learn's `IsolationForest`): 100 trees, each grown on a
 * subsample of 256 rows drawn without replacement, height limit ceil(log2 ψ). A node picks a
 * feature at random among those not constant in the node (like sklearn's extra-tree splitter) and
 * a split uniformly between that feature's min and max there. The path length of a point is the
 * depth of the leaf it reaches plus c(size of the leaf), c(n) = 2H(n−1) − 2(n−1)/n being the
 * average path length of an unsuccessful BST search, and the score is s = 2^(−E[h(x)] / c(ψ)):
 * close to 1 is anomalous, well below 0.5 is normal (sklearn's `score_samples` is −s).
 *
 * Splits depend only on each feature's own order, so the forest is invariant to per-feature
 * scaling: callers need not standardise for it.
 *
 * Trees live in flat typed arrays (one slot per node, trees side by side), not node objects.
 */
import { RampartError } from "../core/index.js";
import { mulberry32 } from "./prng.js";

export interface IsolationForestOptions {
  /** Number of trees (default 100, as in the paper). */
  trees?: number;
  /** Rows per tree, ψ (default 256, as in the paper); capped at the number of rows. */
  sampleSize?: number;
  /** Fixes the subsamples and splits: same data + seed ⇒ same forest. */
  seed: number;
}

export interface IsolationForest {
  readonly nFeatures: number;
  readonly trees: number;
  readonly sampleSize: number;
  /** Anomaly score s in (0, 1] per row of X (row-major, nRows × nFeatures). */
  score(X: Float64Array, nRows: number): Float64Array;
}

const EULER_GAMMA = 0.5772156649015329;

/** c(n): average path length of an unsuccessful search in a BST of n points (the paper's eq. 1). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

export function fitIsolationForest(
  X: Float64Array,
  nRows: number,
  nFeatures: number,
  options: IsolationForestOptions,
): IsolationForest {
  const trees = options.trees ?? 100;
  if (!Number.isInteger(trees) || trees < 1) {
    throw new RampartError("E_USAGE", `isolation forest needs at least one tree, got ${trees}`);
  }
  if (nRows < 1 || nFeatures < 1) {
    throw new RampartError("E_DATA", "isolation forest needs at least one row and one feature");
  }
  if (X.length !== nRows * nFeatures) {
    throw new RampartError(
      "E_DATA",
      `feature matrix has ${X.length} values, expected ${nRows} × ${nFeatures}`,
    );
  }
  const sampleSize = Math.min(options.sampleSize ?? 256, nRows);
  const heightLimit = Math.ceil(Math.log2(Math.max(sampleSize, 2)));
  const nodesPerTree = 2 * sampleSize - 1;
  const totalNodes = trees * nodesPerTree;

  // feature < 0 marks a leaf; leaves keep their training size for the c(size) correction.
  const feature = new Int32Array(totalNodes).fill(-1);
  const threshold = new Float64Array(totalNodes);
  const left = new Int32Array(totalNodes);
  const right = new Int32Array(totalNodes);
  const leafSize = new Int32Array(totalNodes);

  const random = mulberry32(options.seed);
  const all = new Int32Array(nRows);
  const sample = new Int32Array(sampleSize);
  const featureOrder = new Int32Array(nFeatures);

  for (let t = 0; t < trees; t++) {
    // Partial Fisher–Yates: the first sampleSize slots become a subsample without replacement.
    for (let i = 0; i < nRows; i++) all[i] = i;
    for (let i = 0; i < sampleSize; i++) {
      const j = i + Math.floor(random() * (nRows - i));
      const swap = all[i]!;
      all[i] = all[j]!;
      all[j] = swap;
      sample[i] = all[i]!;
    }
    const base = t * nodesPerTree;
    let next = base + 1;

    // Depth-first growth with an explicit stack of (node, start, end, depth).
    const stack: number[] = [base, 0, sampleSize, 0];
    while (stack.length > 0) {
      const depth = stack.pop()!;
      const end = stack.pop()!;
      const start = stack.pop()!;
      const node = stack.pop()!;
      const size = end - start;
      leafSize[node] = size;
      if (depth >= heightLimit || size <= 1) continue;

      // Pick a random feature that is not constant in this node, as sklearn's splitter does.
      for (let j = 0; j < nFeatures; j++) featureOrder[j] = j;
      let chosen = -1;
      let lo = 0;
      let hi = 0;
      for (let k = 0; k < nFeatures && chosen < 0; k++) {
        const pick = k + Math.floor(random() * (nFeatures - k));
        const f = featureOrder[pick]!;
        featureOrder[pick] = featureOrder[k]!;
        featureOrder[k] = f;
        let min = Number.POSITIVE_INFINITY;
        let max = Number.NEGATIVE_INFINITY;
        for (let i = start; i < end; i++) {
          const v = X[sample[i]! * nFeatures + f]!;
          if (v < min) min = v;
          if (v > max) max = v;
        }
        if (max > min) {
          chosen = f;
          lo = min;
          hi = max;
        }
      }
      if (chosen < 0) continue; // every feature constant: the points cannot be separated

      const split = lo + random() * (hi - lo);
      // Partition [start, end): values below the split first.
      let mid = start;
      for (let i = start; i < end; i++) {
        const row = sample[i]!;
        if (X[row * nFeatures + chosen]! < split) {
          sample[i] = sample[mid]!;
          sample[mid] = row;
          mid++;
        }
      }
      if (mid === start || mid === end) continue; // split landed on the min: keep as a leaf

      feature[node] = chosen;
      threshold[node] = split;
      const l = next++;
      const r = next++;
      left[node] = l;
      right[node] = r;
      stack.push(l, start, mid, depth + 1, r, mid, end, depth + 1);
    }
  }

  const normaliser = averagePathLength(sampleSize);

  return {
    nFeatures,
    trees,
    sampleSize,
    score(points: Float64Array, count: number): Float64Array {
      if (points.length !== count * nFeatures) {
        throw new RampartError(
          "E_DATA",
          `feature matrix has ${points.length} values, expected ${count} × ${nFeatures}`,
        );
      }
      const scores = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const offset = i * nFeatures;
        let total = 0;
        for (let t = 0; t < trees; t++) {
          let node = t * nodesPerTree;
          let depth = 0;
          while (feature[node]! >= 0) {
            node = points[offset + feature[node]!]! < threshold[node]! ? left[node]! : right[node]!;
            depth++;
          }
          total += depth + averagePathLength(leafSize[node]!);
        }
        // A one-row "forest" has c(1) = 0; every point is then equally (un)remarkable.
        scores[i] = normaliser > 0 ? 2 ** (-(total / trees) / normaliser) : 0.5;
      }
      return scores;
    },
  };
}
