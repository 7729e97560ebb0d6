import { HyperLogLog } from "./hll.js";

/** Up to this many distinct values the count is exact. */
export const EXACT_DISTINCT_LIMIT = 100_000;

/** Distinct values among numbers that hold no NaN, in one pass, for columns too big to sort. */
export function countDistinct(values: Float64Array): number {
  const seen = new Set<number>();
  const sketch = new HyperLogLog();
  let exact = true;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    sketch.add(value);
    if (exact) {
      seen.add(value);
      if (seen.size > EXACT_DISTINCT_LIMIT) exact = false;
    }
  }
  // Past the limit the estimate still knows there were more than the limit.
  return exact ? seen.size : Math.max(Math.round(sketch.estimate()), EXACT_DISTINCT_LIMIT + 1);
}

/** Distinct values of a sorted array. */
export function countDistinctSorted(sorted: Float64Array): number {
  let distinct = sorted.length > 0 ? 1 : 0;
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  return distinct;
}
