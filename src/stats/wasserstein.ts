/**
 * First Wasserstein (earth mover's) distance between two 1-D samples, unweighted: the area
 * between their empirical cdfs, exactly scipy.stats.wasserstein_distance(a, b) (scipy's
 * `_cdf_distance(1, …)`), computed by a merge walk over the sorted samples. NaN values are
 * dropped; an empty sample is a data error.
 */
import { RampartError } from "../core/index.js";
import { sortedWithoutNaN } from "./sort.js";

/** ∫ |F_a - F_b| over two sorted samples. */
export function wassersteinSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let distance = 0;
  let previous = Math.min(a[0]!, b[0]!);
  while (i < n1 || j < n2) {
    const ai = i < n1 ? a[i]! : Number.POSITIVE_INFINITY;
    const bj = j < n2 ? b[j]! : Number.POSITIVE_INFINITY;
    const z = Math.min(ai, bj);
    // The cdfs are constant on [previous, z): add that strip's area.
    if (z > previous) distance += Math.abs(i / n1 - j / n2) * (z - previous);
    while (i < n1 && a[i]! <= z) i++;
    while (j < n2 && b[j]! <= z) j++;
    previous = z;
  }
  return distance;
}

/** The 1-D Wasserstein distance (scipy.stats.wasserstein_distance). */
export function wasserstein1d(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const sa = sortedWithoutNaN(a);
  const sb = sortedWithoutNaN(b);
  if (sa.length === 0 || sb.length === 0) {
    throw new RampartError("E_DATA", "Wasserstein distance needs at least one value per sample", {
      details: { n1: sa.length, n2: sb.length },
    });
  }
  return wassersteinSorted(sa, sb);
}
