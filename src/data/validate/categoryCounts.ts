import type { CategoricalColumn } from "../table/types.js";

/** Category counts of a reference and a current column, aligned on the reference's categories. */
export interface AlignedCounts {
  /** Reference categories, then `UNSEEN` when the current batch has values the reference lacks. */
  labels: string[];
  reference: Float64Array;
  current: Float64Array;
  /** Current values absent from the reference, most frequent first, with their counts. */
  unseen: { value: string; count: number }[];
}

export const UNSEEN = "(unseen)";
export const POOLED = "(pooled)";

function codeCounts(column: CategoricalColumn): Float64Array {
  const counts = new Float64Array(column.dictionary.length);
  for (let i = 0; i < column.codes.length; i++) {
    const code = column.codes[i]!;
    if (code >= 0) counts[code]!++;
  }
  return counts;
}

/**
 * Counts both columns over the reference's categories. Values the reference never saw are
 * pooled into one `(unseen)` category: a flood of new values is one strong signal instead of
 * many cells too small to test.
 */
export function alignCounts(
  reference: CategoricalColumn,
  current: CategoricalColumn,
): AlignedCounts {
  const refCounts = codeCounts(reference);
  const curByCode = codeCounts(current);
  const index = new Map(reference.dictionary.map((value, i) => [value, i]));
  const cur = new Float64Array(reference.dictionary.length + 1);
  const unseen: { value: string; count: number }[] = [];
  for (let code = 0; code < current.dictionary.length; code++) {
    const count = curByCode[code]!;
    if (count === 0) continue;
    const value = current.dictionary[code]!;
    const at = index.get(value);
    if (at === undefined) {
      cur[cur.length - 1]! += count;
      unseen.push({ value, count });
    } else cur[at]! += count;
  }
  unseen.sort((a, b) => b.count - a.count);
  const hasUnseen = unseen.length > 0;
  const labels = hasUnseen ? [...reference.dictionary, UNSEEN] : [...reference.dictionary];
  const ref = new Float64Array(labels.length);
  ref.set(refCounts);
  return {
    labels,
    reference: ref,
    current: hasUnseen ? cur : cur.subarray(0, reference.dictionary.length),
    unseen,
  };
}

/** Smallest expected count a chi-square cell may have (Cochran 1954's rule for the χ² approximation). */
export const MIN_EXPECTED = 5;

export interface MergedCounts {
  labels: string[];
  reference: number[];
  current: number[];
  /** Categories folded into `(pooled)` because their cells were too sparse. */
  pooled: string[];
}

/**
 * Merges sparse categories so the χ² approximation holds: every category whose smaller
 * expected count (min(n_ref, n_cur) × category total / N) is below 5 goes into one `(pooled)`
 * category; if `(pooled)` itself is still below 5 it joins the smallest remaining category.
 * Categories seen in neither batch are dropped. Fewer than two categories left means there is
 * nothing to test.
 */
export function mergeSparse(counts: AlignedCounts): MergedCounts {
  const nRef = counts.reference.reduce((a, b) => a + b, 0);
  const nCur = counts.current.reduce((a, b) => a + b, 0);
  const total = nRef + nCur;
  const smaller = Math.min(nRef, nCur);
  const expectedMin = (categoryTotal: number) => (smaller * categoryTotal) / total;
  const kept: { label: string; ref: number; cur: number }[] = [];
  const pooled = { label: POOLED, ref: 0, cur: 0 };
  const pooledLabels: string[] = [];
  for (let i = 0; i < counts.labels.length; i++) {
    const ref = counts.reference[i]!;
    const cur = counts.current[i]!;
    if (ref + cur === 0) continue;
    if (expectedMin(ref + cur) < MIN_EXPECTED) {
      pooled.ref += ref;
      pooled.cur += cur;
      pooledLabels.push(counts.labels[i]!);
    } else kept.push({ label: counts.labels[i]!, ref, cur });
  }
  if (pooledLabels.length > 0) {
    if (expectedMin(pooled.ref + pooled.cur) >= MIN_EXPECTED || kept.length === 0)
      kept.push(pooled);
    else {
      let smallest = 0;
      for (let i = 1; i < kept.length; i++) {
        if (kept[i]!.ref + kept[i]!.cur < kept[smallest]!.ref + kept[smallest]!.cur) smallest = i;
      }
      const into = kept[smallest]!;
      kept[smallest] = {
        label: `${into.label}+${POOLED}`,
        ref: into.ref + pooled.ref,
        cur: into.cur + pooled.cur,
      };
    }
  }
  return {
    labels: kept.map((k) => k.label),
    reference: kept.map((k) => k.ref),
    current: kept.map((k) => k.cur),
    pooled: pooledLabels,
  };
}
