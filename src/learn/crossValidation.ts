/**
 * Out-of-fold class probabilities by stratified k-fold cross-validation (as scikit-learn's
 * cross_val_predict(method="predict_proba") with StratifiedKFold(shuffle=True), 5 folds by
 * default): every row is scored by a model that never saw it, which is what confident learning
 * (Northcutt et al. 2021) needs.
 */
import { mulberry32, permutation } from "./prng.js";
import type { FitClassifier, TrainingSet } from "./types.js";

/** Fold index per row: each class's rows are shuffled and dealt round-robin over the folds. */
export function stratifiedFolds(
  y: Int32Array,
  nClasses: number,
  folds: number,
  seed: number,
): Int32Array {
  const random = mulberry32(seed);
  const assignment = new Int32Array(y.length);
  let next = 0;
  for (let c = 0; c < nClasses; c++) {
    const members: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === c) members.push(i);
    const order = permutation(members.length, random);
    for (let p = 0; p < members.length; p++) {
      assignment[members[order[p]!]!] = next;
      next = (next + 1) % folds;
    }
  }
  return assignment;
}

export function outOfFoldProbabilities(
  data: TrainingSet,
  fitModel: FitClassifier,
  options: { folds?: number; seed: number },
): Float64Array {
  const { nRows: n, nFeatures: f, nClasses: k } = data;
  const folds = Math.max(2, Math.min(options.folds ?? 5, n));
  const fold = stratifiedFolds(data.y, k, folds, options.seed);
  const out = new Float64Array(n * k);
  for (let current = 0; current < folds; current++) {
    let trainRows = 0;
    for (let i = 0; i < n; i++) if (fold[i] !== current) trainRows++;
    const testRows = n - trainRows;
    if (testRows === 0) continue;
    const X = new Float64Array(trainRows * f);
    const y = new Int32Array(trainRows);
    const weights = data.weights === undefined ? undefined : new Float64Array(trainRows);
    const testX = new Float64Array(testRows * f);
    const testIndex = new Int32Array(testRows);
    let a = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      const row = data.X.subarray(i * f, (i + 1) * f);
      if (fold[i] !== current) {
        X.set(row, a * f);
        y[a] = data.y[i]!;
        if (weights !== undefined) weights[a] = data.weights![i]!;
        a++;
      } else {
        testX.set(row, b * f);
        testIndex[b++] = i;
      }
    }
    const model = fitModel(
      { X, nRows: trainRows, nFeatures: f, y, nClasses: k, ...(weights ? { weights } : {}) },
      { seed: options.seed + current + 1 },
    );
    const proba = model.predictProba(testX, testRows);
    for (let t = 0; t < testRows; t++) {
      out.set(proba.subarray(t * k, (t + 1) * k), testIndex[t]! * k);
    }
  }
  return out;
}
