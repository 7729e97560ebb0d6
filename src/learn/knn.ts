/**
 * Exact k-nearest neighbours by brute force on standardised features (Euclidean distance), on
 * typed arrays: O(n²·d), fine up to a few tens of thousands of rows. k = 10 by default.
 */
import { standardize } from "./standardize.js";

export interface Neighbours {
  k: number;
  /** Row-major nRows × k neighbour indices, nearest first. */
  indices: Int32Array;
  /** Matching Euclidean distances (in standardised units). */
  distances: Float64Array;
}

export interface KnnIndex {
  readonly nRows: number;
  readonly nFeatures: number;
  /** The k nearest reference rows of each query row. */
  query(X: Float64Array, nRows: number, k?: number): Neighbours;
}

/** An index over reference rows; features are standardised with the reference's statistics. */
export function knnIndex(
  X: Float64Array,
  nRows: number,
  nFeatures: number,
  options: { standardize?: boolean } = {},
): KnnIndex {
  const scaler = options.standardize === false ? undefined : standardize(X, nRows, nFeatures);
  const reference = scaler === undefined ? X : scaler.transform(X, nRows);
  return {
    nRows,
    nFeatures,
    query(Q: Float64Array, qRows: number, k = 10): Neighbours {
      const queries = scaler === undefined ? Q : scaler.transform(Q, qRows);
      const kk = Math.min(k, nRows);
      const result = emptyNeighbours(qRows, kk);
      for (let q = 0; q < qRows; q++) {
        const qBase = q * nFeatures;
        for (let r = 0; r < nRows; r++) {
          const rBase = r * nFeatures;
          let d = 0;
          for (let j = 0; j < nFeatures; j++) {
            const diff = queries[qBase + j]! - reference[rBase + j]!;
            d += diff * diff;
          }
          insert(result, q, r, d);
        }
      }
      return finish(result);
    },
  };
}

/** Each row's k nearest other rows (itself excluded), computing each pair's distance once. */
export function kNearestNeighbours(
  X: Float64Array,
  nRows: number,
  nFeatures: number,
  k = 10,
  options: { standardize?: boolean } = {},
): Neighbours {
  const data =
    options.standardize === false ? X : standardize(X, nRows, nFeatures).transform(X, nRows);
  const kk = Math.min(k, Math.max(0, nRows - 1));
  const result = emptyNeighbours(nRows, kk);
  if (kk === 0) return finish(result);
  // Blocks keep a tile of rows in cache while the inner loop streams the others.
  const BLOCK = 64;
  for (let a0 = 0; a0 < nRows; a0 += BLOCK) {
    const a1 = Math.min(nRows, a0 + BLOCK);
    for (let b = a0; b < nRows; b++) {
      const bBase = b * nFeatures;
      const aEnd = Math.min(a1, b);
      for (let a = a0; a < aEnd; a++) {
        const aBase = a * nFeatures;
        let d = 0;
        for (let j = 0; j < nFeatures; j++) {
          const diff = data[aBase + j]! - data[bBase + j]!;
          d += diff * diff;
        }
        if (d < result.worst[a]!) insert(result, a, b, d);
        if (d < result.worst[b]!) insert(result, b, a, d);
      }
    }
  }
  return finish(result);
}

interface Building {
  k: number;
  indices: Int32Array;
  /** Squared distances while building. */
  distances: Float64Array;
  worst: Float64Array;
}

function emptyNeighbours(rows: number, k: number): Building {
  return {
    k,
    indices: new Int32Array(rows * k).fill(-1),
    distances: new Float64Array(rows * k).fill(Number.POSITIVE_INFINITY),
    worst: new Float64Array(rows).fill(Number.POSITIVE_INFINITY),
  };
}

/** Insertion into the row's sorted list (k is small); ties keep the lower index first. */
function insert(b: Building, row: number, other: number, d: number): void {
  const k = b.k;
  if (k === 0) return;
  const base = row * k;
  const last = base + k - 1;
  if (!(d < b.distances[last]! || (d === b.distances[last]! && other < b.indices[last]!))) return;
  let p = last;
  while (
    p > base &&
    (d < b.distances[p - 1]! || (d === b.distances[p - 1]! && other < b.indices[p - 1]!))
  ) {
    b.distances[p] = b.distances[p - 1]!;
    b.indices[p] = b.indices[p - 1]!;
    p--;
  }
  b.distances[p] = d;
  b.indices[p] = other;
  b.worst[row] = b.distances[last]!;
}

function finish(b: Building): Neighbours {
  for (let i = 0; i < b.distances.length; i++) b.distances[i] = Math.sqrt(b.distances[i]!);
  return { k: b.k, indices: b.indices, distances: b.distances };
}
