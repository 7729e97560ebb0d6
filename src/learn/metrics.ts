/** Evaluation metrics, matching scikit-learn's definitions. */

/**
 * Area under the ROC curve, as sklearn.metrics.roc_auc_score: the Mann–Whitney U statistic with
 * tied scores counted as half (mid-ranks). NaN when only one class is present.
 */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<number | boolean>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if (positive[order[t]!]) {
        positives++;
        rankSum += midRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface BinaryScores {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** 0 when nothing was predicted positive, as sklearn's zero_division=0. */
  precision: number;
  recall: number;
  f1: number;
}

/** Precision, recall and F1 of `predicted` against `actual` (truthy = positive). */
export function precisionRecallF1(
  predicted: ArrayLike<number | boolean>,
  actual: ArrayLike<number | boolean>,
): BinaryScores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < predicted.length; i++) {
    const p = Boolean(predicted[i]);
    const a = Boolean(actual[i]);
    if (p && a) tp++;
    else if (p) fp++;
    else if (a) fn++;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { truePositives: tp, falsePositives: fp, falseNegatives: fn, precision, recall, f1 };
}

/** Share of rows whose most probable class is their label. */
export function accuracy(proba: Float64Array, y: Int32Array, nClasses: number): number {
  let correct = 0;
  for (let i = 0; i < y.length; i++) if (argmax(proba, i * nClasses, nClasses) === y[i]) correct++;
  return y.length === 0 ? Number.NaN : correct / y.length;
}

export function argmax(values: ArrayLike<number>, offset: number, length: number): number {
  let best = 0;
  for (let c = 1; c < length; c++) if (values[offset + c]! > values[offset + best]!) best = c;
  return best;
}
