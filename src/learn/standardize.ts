/**
 * Column standardisation, as scikit-learn's StandardScaler: mean 0, population standard
 * deviation 1; a constant column keeps scale 1 (so it becomes all zeros, not NaN).
 */
export interface Standardizer {
  mean: Float64Array;
  scale: Float64Array;
  /** A standardised copy of a row-major matrix with the same number of features. */
  transform(X: Float64Array, nRows: number): Float64Array;
}

export function standardize(X: Float64Array, nRows: number, nFeatures: number): Standardizer {
  const mean = new Float64Array(nFeatures);
  const scale = new Float64Array(nFeatures);
  for (let i = 0; i < nRows; i++) {
    const base = i * nFeatures;
    for (let j = 0; j < nFeatures; j++) mean[j]! += X[base + j]!;
  }
  for (let j = 0; j < nFeatures; j++) mean[j]! /= Math.max(1, nRows);
  for (let i = 0; i < nRows; i++) {
    const base = i * nFeatures;
    for (let j = 0; j < nFeatures; j++) {
      const d = X[base + j]! - mean[j]!;
      scale[j]! += d * d;
    }
  }
  for (let j = 0; j < nFeatures; j++) {
    const sd = Math.sqrt(scale[j]! / Math.max(1, nRows));
    // Relative test: a column of identical large values leaves rounding-level variance.
    scale[j] = sd > 1e-12 * Math.max(1, Math.abs(mean[j]!)) ? sd : 1;
  }
  return {
    mean,
    scale,
    transform(data: Float64Array, rows: number): Float64Array {
      const out = new Float64Array(rows * nFeatures);
      for (let i = 0; i < rows; i++) {
        const base = i * nFeatures;
        for (let j = 0; j < nFeatures; j++) {
          out[base + j] = (data[base + j]! - mean[j]!) / scale[j]!;
        }
      }
      return out;
    },
  };
}
