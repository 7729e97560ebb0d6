/**
 * L2-regularised logistic regression on standardised features, matching scikit-learn's
 * LogisticRegression(C=1.0) with the lbfgs solver: binary logistic loss for two classes,
 * multinomial (softmax) loss beyond; objective Σᵢ wᵢ·CEᵢ + ½·l2·‖W‖², intercepts not penalised
 * (l2 = 1/C, default 1; at most 100 iterations, sklearn's max_iter). Inputs are standardised like StandardScaler inside the model, so
 * callers pass raw encoded features. Solved with L-BFGS.
 */
import { minimizeLbfgs } from "./lbfgs.js";
import { standardize } from "./standardize.js";
import type { Classifier, TrainingSet } from "./types.js";

export interface LogisticRegressionOptions {
  seed: number;
  /** L2 strength, 1/C in scikit-learn's terms. Default 1. */
  l2?: number;
  maxIter?: number;
}

export function fitLogisticRegression(
  data: TrainingSet,
  options: LogisticRegressionOptions,
): Classifier {
  const { nRows, nFeatures: f, nClasses: k } = data;
  const l2 = options.l2 ?? 1;
  const maxIter = options.maxIter ?? 100;
  const scaler = standardize(data.X, nRows, f);
  const X = scaler.transform(data.X, nRows);
  const w = data.weights;
  const y = data.y;

  if (k <= 2) {
    // theta = [coef (f), intercept]
    const objective = (theta: Float64Array, grad: Float64Array): number => {
      grad.fill(0);
      const b = theta[f]!;
      let loss = 0;
      for (let i = 0; i < nRows; i++) {
        const base = i * f;
        let z = b;
        for (let j = 0; j < f; j++) z += theta[j]! * X[base + j]!;
        const wi = w === undefined ? 1 : w[i]!;
        const target = y[i] === 1 ? 1 : 0;
        // log(1 + e^z) - target·z, computed without overflow
        loss += wi * (softplus(z) - target * z);
        const d = wi * (sigmoid(z) - target);
        for (let j = 0; j < f; j++) grad[j]! += d * X[base + j]!;
        grad[f]! += d;
      }
      for (let j = 0; j < f; j++) {
        loss += 0.5 * l2 * theta[j]! * theta[j]!;
        grad[j]! += l2 * theta[j]!;
      }
      return loss;
    };
    const theta = minimizeLbfgs(objective, new Float64Array(f + 1), { maxIter }).x;
    return {
      nClasses: 2,
      nFeatures: f,
      predictProba(input: Float64Array, rows: number): Float64Array {
        const Z = scaler.transform(input, rows);
        const out = new Float64Array(rows * 2);
        for (let i = 0; i < rows; i++) {
          let z = theta[f]!;
          for (let j = 0; j < f; j++) z += theta[j]! * Z[i * f + j]!;
          const p = sigmoid(z);
          out[2 * i] = 1 - p;
          out[2 * i + 1] = p;
        }
        return out;
      },
    };
  }

  // theta = [W (k × f, row per class), intercepts (k)]
  const logits = new Float64Array(k);
  const objective = (theta: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    const bOffset = k * f;
    for (let i = 0; i < nRows; i++) {
      const base = i * f;
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        let z = theta[bOffset + c]!;
        const wBase = c * f;
        for (let j = 0; j < f; j++) z += theta[wBase + j]! * X[base + j]!;
        logits[c] = z;
        if (z > max) max = z;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const e = Math.exp(logits[c]! - max);
        logits[c] = e;
        sum += e;
      }
      const wi = w === undefined ? 1 : w[i]!;
      const yi = y[i]!;
      loss += wi * -Math.log(Math.max(logits[yi]! / sum, 1e-300));
      for (let c = 0; c < k; c++) {
        const d = wi * (logits[c]! / sum - (c === yi ? 1 : 0));
        if (d === 0) continue;
        const wBase = c * f;
        for (let j = 0; j < f; j++) grad[wBase + j]! += d * X[base + j]!;
        grad[bOffset + c]! += d;
      }
    }
    for (let j = 0; j < k * f; j++) {
      loss += 0.5 * l2 * theta[j]! * theta[j]!;
      grad[j]! += l2 * theta[j]!;
    }
    return loss;
  };
  const theta = minimizeLbfgs(objective, new Float64Array(k * f + k), { maxIter }).x;
  return {
    nClasses: k,
    nFeatures: f,
    predictProba(input: Float64Array, rows: number): Float64Array {
      const Z = scaler.transform(input, rows);
      const out = new Float64Array(rows * k);
      for (let i = 0; i < rows; i++) {
        let max = Number.NEGATIVE_INFINITY;
        for (let c = 0; c < k; c++) {
          let z = theta[k * f + c]!;
          for (let j = 0; j < f; j++) z += theta[c * f + j]! * Z[i * f + j]!;
          out[i * k + c] = z;
          if (z > max) max = z;
        }
        let sum = 0;
        for (let c = 0; c < k; c++) {
          const e = Math.exp(out[i * k + c]! - max);
          out[i * k + c] = e;
          sum += e;
        }
        for (let c = 0; c < k; c++) out[i * k + c]! /= sum;
      }
      return out;
    },
  };
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}
