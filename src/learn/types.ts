/**
 * The contract of Rampart's own small learners (surrogates for detectors, the demo model).
 * Data is row-major on typed arrays: X[i * nFeatures + j]; no NaN (callers impute first).
 */
export interface TrainingSet {
  X: Float64Array;
  nRows: number;
  nFeatures: number;
  /** Class index per row, 0..nClasses-1. */
  y: Int32Array;
  nClasses: number;
  /** Optional per-row weights (default 1). */
  weights?: Float64Array;
}

export interface Classifier {
  readonly nClasses: number;
  readonly nFeatures: number;
  /** Class probabilities, row-major nRows × nClasses; each row sums to 1. */
  predictProba(X: Float64Array, nRows: number): Float64Array;
}

/** Fits a classifier; the seed fixes every random choice, so the same input gives the same model. */
export type FitClassifier = (data: TrainingSet, options: { seed: number }) => Classifier;
