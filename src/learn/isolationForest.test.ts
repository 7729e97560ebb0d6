import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { averagePathLength, fitIsolationForest } from "./isolationForest.js";
import { rocAuc } from "./metrics.js";
import { mulberry32, normal } from "./prng.js";

interface Fixture {
  nRows: number;
  nFeatures: number;
  X: number[];
  outlier: number[];
  sklearnScoresSeed0: number[];
  sklearnAuc: { mean: number; min: number; max: number };
}

const fixture = JSON.parse(
  readFileSync(new URL("./testdata/isolation_forest.json", import.meta.url), "utf8"),
) as Fixture;

function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const rank = (v: ArrayLike<number>): Float64Array => {
    const order = Array.from({ length: v.length }, (_, i) => i).sort((i, j) => v[i]! - v[j]!);
    const r = new Float64Array(v.length);
    order.forEach((row, k) => {
      r[row] = k;
    });
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const n = ra.length;
  let d2 = 0;
  for (let i = 0; i < n; i++) d2 += (ra[i]! - rb[i]!) ** 2;
  return 1 - (6 * d2) / (n * (n * n - 1));
}

describe("fitIsolationForest", () => {
  it("c(n) matches the paper's average path length", () => {
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    // 2H(255) − 2·255/256, H(i) ≈ ln i + γ
    expect(averagePathLength(256)).toBeCloseTo(10.2448, 3);
  });

  it("ranks planted outliers first", () => {
    const random = mulberry32(7);
    const n = 1000;
    const d = 4;
    const X = new Float64Array(n * d);
    for (let i = 0; i < n * d; i++) X[i] = normal(random);
    const planted = [3, 250, 511, 777, 998];
    for (const row of planted) for (let j = 0; j < d; j++) X[row * d + j] = 6 + j;
    const scores = fitIsolationForest(X, n, d, { seed: 1 }).score(X, n);
    const top = Array.from(scores.keys())
      .sort((a, b) => scores[b]! - scores[a]!)
      .slice(0, planted.length);
    expect(top.sort((a, b) => a - b)).toEqual(planted);
    for (const row of planted) expect(scores[row]!).toBeGreaterThan(0.7);
    const median = Array.from(scores).sort((a, b) => a - b)[n / 2]!;
    expect(median).toBeLessThan(0.5);
  });

  it("is deterministic for a seed and differs across seeds", () => {
    const X = Float64Array.from(fixture.X);
    const head = X.subarray(0, 50 * fixture.nFeatures);
    const forest = (seed: number) =>
      fitIsolationForest(X, fixture.nRows, fixture.nFeatures, { seed });
    const a = forest(5).score(head, 50);
    const b = forest(5).score(head, 50);
    const c = forest(6).score(head, 50);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  // Tolerance: sklearn's AUROC over 10 seeds spans [min, max]; ours (mean over 5 seeds) must be
  // within 0.01 of sklearn's mean, and our scores must rank rows like sklearn's (Spearman ≥ 0.9,
  // the two being different random forests of the same algorithm).
  it("matches scikit-learn's IsolationForest on the committed fixture", () => {
    const X = Float64Array.from(fixture.X);
    const aucs: number[] = [];
    let first: Float64Array | undefined;
    for (let seed = 0; seed < 5; seed++) {
      const scores = fitIsolationForest(X, fixture.nRows, fixture.nFeatures, { seed }).score(
        X,
        fixture.nRows,
      );
      first ??= scores;
      aucs.push(rocAuc(scores, fixture.outlier));
    }
    const mean = aucs.reduce((s, v) => s + v, 0) / aucs.length;
    expect(Math.abs(mean - fixture.sklearnAuc.mean)).toBeLessThan(0.01);
    expect(spearman(first!, fixture.sklearnScoresSeed0)).toBeGreaterThan(0.9);
    // Same scale as sklearn's: scores agree on average within a few hundredths.
    let diff = 0;
    for (let i = 0; i < fixture.nRows; i++)
      diff += Math.abs(first![i]! - fixture.sklearnScoresSeed0[i]!);
    expect(diff / fixture.nRows).toBeLessThan(0.03);
  });

  it("handles fewer rows than the sample size and constant data", () => {
    const X = new Float64Array([1, 1, 1, 1, 1, 1]);
    const scores = fitIsolationForest(X, 3, 2, { seed: 1 }).score(X, 3);
    expect(Array.from(scores).every((s) => s > 0 && s <= 1)).toBe(true);
    expect(() => fitIsolationForest(new Float64Array(3), 2, 2, { seed: 1 })).toThrow(/expected/);
  });
});
