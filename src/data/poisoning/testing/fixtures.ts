import { readFixtureCsv } from "../../../learn/testing.js";
import type { LabelledData } from "../types.js";

/** A committed sklearn dataset as encoded, labelled data (classes are the label's digits). */
export function loadFixture(name: "breast_cancer" | "digits"): LabelledData {
  const data = readFixtureCsv(name);
  return {
    X: data.X,
    nRows: data.nRows,
    nFeatures: data.nFeatures,
    featureNames: data.featureNames,
    y: data.y,
    classes: Array.from({ length: data.nClasses }, (_, c) => String(c)),
  };
}
