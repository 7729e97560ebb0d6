import { describe, expect, it } from "vitest";
import {
  accuracy,
  averageOf,
  fitGradientBoosting,
  fitLogisticRegression,
  kNearestNeighbours,
  knnIndex,
  mulberry32,
  normal,
  outOfFoldProbabilities,
  precisionRecallF1,
  rocAuc,
  standardize,
  stratifiedFolds,
} from "./index.js";
import { readFixtureCsv, readLearnReference, subset } from "./testing.js";

const reference = readLearnReference();

describe("logistic regression", () => {
  // sklearn LogisticRegression(C=1, tol=1e-10) on StandardScaler features; same optimum, so the
  // probabilities agree to solver precision. Tolerance: 1e-3 absolute.
  it("matches scikit-learn's probabilities on breast_cancer (binary)", () => {
    const data = readFixtureCsv("breast_cancer");
    const model = fitLogisticRegression(data, { seed: 1, maxIter: 1000 });
    const proba = model.predictProba(data.X, data.nRows);
    const ref = reference.lr_breast_cancer;
    ref.rows.forEach((row, t) => {
      for (let c = 0; c < 2; c++) {
        expect(Math.abs(proba[row * 2 + c]! - ref.proba[t]![c]!)).toBeLessThan(1e-3);
      }
    });
  });

  it("matches scikit-learn's multinomial probabilities on digits (10 classes)", () => {
    const data = readFixtureCsv("digits");
    const model = fitLogisticRegression(data, { seed: 1, maxIter: 400 });
    const proba = model.predictProba(data.X, data.nRows);
    const ref = reference.lr_digits;
    let worst = 0;
    ref.rows.forEach((row, t) => {
      for (let c = 0; c < 10; c++) {
        worst = Math.max(worst, Math.abs(proba[row * 10 + c]! - ref.proba[t]![c]!));
      }
    });
    expect(worst).toBeLessThan(1e-3);
  });

  it("is scale-invariant (standardises inside) and rows sum to 1", () => {
    const data = readFixtureCsv("breast_cancer");
    const scaled = { ...data, X: data.X.map((v) => v * 1000 + 5) };
    const a = fitLogisticRegression(data, { seed: 1 }).predictProba(data.X, 50);
    const b = fitLogisticRegression(scaled, { seed: 1 }).predictProba(scaled.X, 50);
    for (let i = 0; i < 100; i++) expect(a[i]!).toBeCloseTo(b[i]!, 4);
    for (let i = 0; i < 50; i++) expect(a[2 * i]! + a[2 * i + 1]!).toBeCloseTo(1, 12);
  });
});

describe("gradient boosting", () => {
  // sklearn HistGradientBoostingClassifier(random_state=0, early_stopping=False) on the same
  // split (test = every 4th row): accuracy within 2 points.
  for (const name of ["breast_cancer", "digits"] as const) {
    it(`reaches scikit-learn's HistGradientBoosting accuracy on ${name}`, () => {
      const data = readFixtureCsv(name);
      const train = subset(data, (i) => i % 4 !== 0);
      const test = subset(data, (i) => i % 4 === 0);
      const model = fitGradientBoosting(train, { seed: 1 });
      const ours = accuracy(model.predictProba(test.X, test.nRows), test.y, data.nClasses);
      expect(ours).toBeGreaterThan(reference.hgb_accuracy[name] - 0.02);
    });
  }

  it("learns an interaction a linear model cannot (XOR)", () => {
    const random = mulberry32(3);
    const n = 2000;
    const X = new Float64Array(n * 2);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      X[2 * i] = normal(random);
      X[2 * i + 1] = normal(random);
      y[i] = X[2 * i]! * X[2 * i + 1]! > 0 ? 1 : 0;
    }
    const data = { X, nRows: n, nFeatures: 2, y, nClasses: 2 };
    const gbt = fitGradientBoosting(data, { seed: 1 }).predictProba(X, n);
    const lr = fitLogisticRegression(data, { seed: 1 }).predictProba(X, n);
    expect(accuracy(gbt, y, 2)).toBeGreaterThan(0.95);
    expect(accuracy(lr, y, 2)).toBeLessThan(0.65);
  });
});

describe("metrics", () => {
  it("rocAuc equals sklearn.metrics.roc_auc_score with ties", () => {
    const { scores, positive, auc } = reference.roc_auc;
    expect(rocAuc(scores, positive)).toBeCloseTo(auc, 12);
    expect(rocAuc([0.1, 0.9, 0.5], [false, true, false])).toBe(1);
    expect(rocAuc([1, 1], [1, 1])).toBeNaN();
  });

  it("precision, recall and F1", () => {
    const s = precisionRecallF1([1, 1, 0, 0, 1], [1, 0, 0, 1, 1]);
    expect([s.truePositives, s.falsePositives, s.falseNegatives]).toEqual([2, 1, 1]);
    expect(s.f1).toBeCloseTo(2 / 3, 12);
    expect(precisionRecallF1([0, 0], [1, 0]).f1).toBe(0);
  });
});

describe("k nearest neighbours", () => {
  it("agrees with a naive search and excludes the row itself", () => {
    const random = mulberry32(9);
    const n = 300;
    const f = 4;
    const X = Float64Array.from({ length: n * f }, () => normal(random));
    const k = 5;
    const got = kNearestNeighbours(X, n, f, k);
    const Z = standardize(X, n, f).transform(X, n);
    for (const row of [0, 17, 299]) {
      const order = Array.from({ length: n }, (_, j) => j)
        .filter((j) => j !== row)
        .map((j) => {
          let d = 0;
          for (let t = 0; t < f; t++) d += (Z[row * f + t]! - Z[j * f + t]!) ** 2;
          return [j, d] as const;
        })
        .sort((a, b) => a[1] - b[1] || a[0] - b[0])
        .slice(0, k);
      expect(Array.from(got.indices.subarray(row * k, row * k + k))).toEqual(
        order.map((o) => o[0]),
      );
      expect(got.distances[row * k]!).toBeCloseTo(Math.sqrt(order[0]![1]), 10);
    }
    const viaIndex = knnIndex(X, n, f).query(X, n, k + 1);
    expect(viaIndex.indices[17 * (k + 1)]).toBe(17);
    expect(viaIndex.indices[17 * (k + 1) + 1]).toBe(got.indices[17 * k]);
  });
});

describe("cross-validation", () => {
  it("deals each class evenly over stratified folds, reproducibly", () => {
    const y = Int32Array.from({ length: 103 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const folds = stratifiedFolds(y, 2, 5, 42);
    for (const c of [0, 1]) {
      const sizes = [0, 0, 0, 0, 0];
      y.forEach((label, i) => {
        if (label === c) sizes[folds[i]!]!++;
      });
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    expect(stratifiedFolds(y, 2, 5, 42)).toEqual(folds);
  });

  it("scores every row with a model that never saw it", () => {
    // A pure memoriser would be perfect in-sample; out of fold it is no better than chance here.
    const random = mulberry32(5);
    const n = 200;
    const X = Float64Array.from({ length: n }, () => normal(random));
    const y = Int32Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0));
    const memoriser = averageOf((data) => {
      const seen = new Map<number, number>();
      for (let i = 0; i < data.nRows; i++) seen.set(data.X[i]!, data.y[i]!);
      return {
        nClasses: 2,
        nFeatures: 1,
        predictProba: (Q, rows) => {
          const out = new Float64Array(rows * 2).fill(0.5);
          for (let i = 0; i < rows; i++) {
            const label = seen.get(Q[i]!);
            if (label !== undefined) {
              out[2 * i + label] = 1;
              out[2 * i + 1 - label] = 0;
            }
          }
          return out;
        },
      };
    });
    const oof = outOfFoldProbabilities({ X, nRows: n, nFeatures: 1, y, nClasses: 2 }, memoriser, {
      seed: 1,
    });
    for (let i = 0; i < 2 * n; i++) expect(oof[i]).toBe(0.5);
  });
});

describe("mulberry32", () => {
  it("is deterministic per seed and uniform enough", () => {
    const draw = (seed: number) => Float64Array.from({ length: 10_000 }, mulberry32(seed));
    const a = draw(7);
    expect(a).toEqual(draw(7));
    expect(a).not.toEqual(draw(8));
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(a.reduce((s, x) => s + x, 0) / a.length).toBeCloseTo(0.5, 1);
  });
});
