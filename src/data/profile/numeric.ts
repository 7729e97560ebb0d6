import { KllSketch, quantilesSorted, sortFloat64InPlace } from "../../stats/index.js";
import type { NumericColumn } from "../table/index.js";
import { countDistinct, countDistinctSorted } from "./distinct.js";
import { equalWidthHistogram } from "./histogram.js";
import { finiteOrNull } from "./json.js";
import { HISTOGRAM_BINS, type NumericColumnProfile, PROFILE_QUANTILES } from "./types.js";

/**
 * Profiles a numeric column. Up to `exactLimit` values it sorts a copy (stats' radix sort, about
 * 40 ms per million) and gets exact quantiles (numpy's linear method) and an exact distinct
 * count; beyond, it streams them into a KLL sketch and a distinct counter instead, so memory and
 * time stay bounded on very large tables.
 */
export function profileNumeric(column: NumericColumn, exactLimit: number): NumericColumnProfile {
  const { values } = column;
  let nulls = 0;
  let finiteCount = 0;
  let negativeInfinities = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) {
      nulls++;
    } else if (Number.isFinite(x)) {
      finiteCount++;
      sum += x;
      if (x < min) min = x;
      if (x > max) max = x;
    } else if (x < 0) {
      negativeInfinities++;
    }
  }
  const count = values.length - nulls;
  const nonNull = new Float64Array(count);
  const finite = finiteCount === count ? nonNull : new Float64Array(finiteCount);
  for (let i = 0, n = 0, f = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) continue;
    nonNull[n++] = x;
    if (finite !== nonNull && Number.isFinite(x)) finite[f++] = x;
  }

  const mean = finiteCount > 0 ? sum / finiteCount : Number.NaN;
  let squares = 0;
  for (let i = 0; i < finite.length; i++) {
    const d = finite[i]! - mean;
    squares += d * d;
  }
  const std = finiteCount > 0 ? Math.sqrt(squares / finiteCount) : Number.NaN;
  // The histogram reads `finite` before an exact path sorts it in place.
  const histogram = equalWidthHistogram(finite, min, max, HISTOGRAM_BINS);

  let quantiles: number[];
  let distinct: number;
  if (count <= exactLimit) {
    // Sorting nonNull sorts `finite` too when they are the same array; otherwise the finite
    // values are the sorted middle, between any -Infinity and +Infinity.
    sortFloat64InPlace(nonNull);
    distinct = countDistinctSorted(nonNull);
    const sortedFinite = nonNull.subarray(negativeInfinities, negativeInfinities + finiteCount);
    quantiles = quantilesSorted(sortedFinite, PROFILE_QUANTILES);
  } else {
    const sketch = new KllSketch();
    sketch.updateMany(finite);
    quantiles = finiteCount > 0 ? sketch.quantiles([...PROFILE_QUANTILES]) : [];
    // The sketch keeps the extremes exactly; make the 0 and 1 quantiles say so.
    if (finiteCount > 0) {
      quantiles[0] = min;
      quantiles[quantiles.length - 1] = max;
    }
    distinct = countDistinct(nonNull);
  }

  return {
    name: column.name,
    kind: "numeric",
    sqlType: column.sqlType,
    count,
    nulls,
    distinct,
    min: finiteCount > 0 ? min : null,
    max: finiteCount > 0 ? max : null,
    mean: finiteOrNull(mean),
    std: finiteOrNull(std),
    quantiles: {
      q: [...PROFILE_QUANTILES],
      values: PROFILE_QUANTILES.map((_, i) => finiteOrNull(quantiles[i] ?? Number.NaN)),
    },
    histogram,
  };
}
