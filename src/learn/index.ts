/** Small, fast learners Rampart itself needs: surrogates for detectors and the demo model. */
export { outOfFoldProbabilities, stratifiedFolds } from "./crossValidation.js";
export { averageOf } from "./ensemble.js";
export { fitGradientBoosting, type GradientBoostingOptions } from "./gradientBoosting.js";
export {
  averagePathLength,
  fitIsolationForest,
  type IsolationForest,
  type IsolationForestOptions,
} from "./isolationForest.js";
export { type KnnIndex, kNearestNeighbours, knnIndex, type Neighbours } from "./knn.js";
export { fitLogisticRegression, type LogisticRegressionOptions } from "./logisticRegression.js";
export { accuracy, argmax, type BinaryScores, precisionRecallF1, rocAuc } from "./metrics.js";
export {
  mulberry32,
  normal,
  permutation,
  type Random,
  sampleWithoutReplacement,
  shuffleInPlace,
} from "./prng.js";
export { gatherRows } from "./rows.js";
export { type Standardizer, standardize } from "./standardize.js";
export type { Classifier, FitClassifier, TrainingSet } from "./types.js";
