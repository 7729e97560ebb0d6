/**
 * Quantiles of a sorted sample with numpy's default "linear" method (Hyndman & Fan type 7):
 * index (n-1)·q, linear interpolation between neighbours using numpy's `_lerp`, which
 * interpolates from the nearer end so that results are monotone in q and exact at the ends.
 */

/** The q-quantile (0 <= q <= 1) of `sorted` (ascending, no NaN), like np.quantile(x, q). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0 || Number.isNaN(q)) return Number.NaN;
  const position = (n - 1) * q;
  const lo = Math.min(Math.max(Math.floor(position), 0), n - 1);
  const hi = Math.min(lo + 1, n - 1);
  const gamma = position - lo;
  return interpolate(sorted[lo]!, sorted[hi]!, gamma);
}

/** Several quantiles of the same sorted sample. */
export function quantilesSorted(sorted: ArrayLike<number>, qs: ArrayLike<number>): number[] {
  return Array.from({ length: qs.length }, (_, i) => quantileSorted(sorted, qs[i]!));
}

/**
 * The values at the given 0-based ranks of `values` as if it were sorted, by multi-quickselect
 * (Hoare's FIND with median-of-three pivots, splitting the wanted ranks at each partition):
 * O(n log r) for r ranks instead of a full sort. Reorders `values` in place; no NaN allowed.
 */
export function selectRanks(values: Float64Array, ranks: number[]): number[] {
  const wanted = [...new Set(ranks)].sort((a, b) => a - b);
  const found = new Map<number, number>();
  const stack: [number, number, number, number][] = [[0, values.length - 1, 0, wanted.length]];
  while (stack.length > 0) {
    const [left, right, first, last] = stack.pop()!;
    if (first >= last) continue;
    if (right - left < 32) {
      values.subarray(left, right + 1).sort();
      for (let i = first; i < last; i++) found.set(wanted[i]!, values[wanted[i]!]!);
      continue;
    }
    const mid = (left + right) >>> 1;
    const a = values[left]!;
    const b = values[mid]!;
    const c = values[right]!;
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c)); // median of three
    // Three-way partition: [left, lt) < pivot, [lt, gt] = pivot, (gt, right] > pivot.
    let lt = left;
    let gt = right;
    let i = left;
    while (i <= gt) {
      const v = values[i]!;
      if (v < pivot) {
        values[i] = values[lt]!;
        values[lt] = v;
        lt++;
        i++;
      } else if (v > pivot) {
        values[i] = values[gt]!;
        values[gt] = v;
        gt--;
      } else {
        i++;
      }
    }
    let split1 = first;
    while (split1 < last && wanted[split1]! < lt) split1++;
    let split2 = split1;
    while (split2 < last && wanted[split2]! <= gt) {
      found.set(wanted[split2]!, pivot);
      split2++;
    }
    stack.push([left, lt - 1, first, split1]);
    stack.push([gt + 1, right, split2, last]);
  }
  return ranks.map((r) => found.get(r)!);
}

/** np.quantile(values, qs) ("linear") without sorting: selects the order statistics needed. */
export function quantilesUnsorted(values: Float64Array, qs: ArrayLike<number>): number[] {
  const n = values.length;
  if (n === 0) return Array.from({ length: qs.length }, () => Number.NaN);
  const ranks: number[] = [];
  for (let i = 0; i < qs.length; i++) {
    const lo = Math.min(Math.max(Math.floor((n - 1) * qs[i]!), 0), n - 1);
    ranks.push(lo, Math.min(lo + 1, n - 1));
  }
  const selected = selectRanks(values, ranks);
  return Array.from({ length: qs.length }, (_, i) =>
    interpolate(selected[2 * i]!, selected[2 * i + 1]!, (n - 1) * qs[i]! - ranks[2 * i]!),
  );
}

/** numpy's `_lerp`: interpolate from the nearer end. */
function interpolate(a: number, b: number, gamma: number): number {
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}
