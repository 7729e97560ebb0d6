/** Test helpers for learn/ (excluded from the build): the committed sklearn fixtures. */
import { readFileSync } from "node:fs";
import { gatherRows } from "./rows.js";
import type { TrainingSet } from "./types.js";

const TESTDATA = new URL("../data/poisoning/testdata/", import.meta.url);

/** A numeric CSV whose last column is an integer class label (the fixtures' format). */
export function readFixtureCsv(name: "breast_cancer" | "digits"): TrainingSet & {
  featureNames: string[];
} {
  const lines = readFileSync(new URL(`${name}.csv`, TESTDATA), "utf8")
    .trim()
    .split("\n");
  const header = lines[0]!.split(",");
  const f = header.length - 1;
  const n = lines.length - 1;
  const X = new Float64Array(n * f);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cells = lines[i + 1]!.split(",");
    for (let j = 0; j < f; j++) X[i * f + j] = Number(cells[j]);
    y[i] = Number(cells[f]);
  }
  let nClasses = 0;
  for (const c of y) nClasses = Math.max(nClasses, c + 1);
  return { X, nRows: n, nFeatures: f, y, nClasses, featureNames: header.slice(0, f) };
}

export interface LearnReference {
  lr_breast_cancer: { rows: number[]; C: number; proba: number[][] };
  lr_digits: { rows: number[]; C: number; proba: number[][] };
  hgb_accuracy: { breast_cancer: number; digits: number };
  roc_auc: { scores: number[]; positive: number[]; auc: number };
}

export function readLearnReference(): LearnReference {
  return JSON.parse(
    readFileSync(new URL("learn_reference.json", TESTDATA), "utf8"),
  ) as LearnReference;
}

/** Rows where `keep(i)` holds, as a new training set. */
export function subset(data: TrainingSet, keep: (row: number) => boolean): TrainingSet {
  const rows: number[] = [];
  for (let i = 0; i < data.nRows; i++) if (keep(i)) rows.push(i);
  return {
    X: gatherRows(data.X, data.nFeatures, rows),
    nRows: rows.length,
    nFeatures: data.nFeatures,
    y: Int32Array.from(rows, (r) => data.y[r]!),
    nClasses: data.nClasses,
  };
}
