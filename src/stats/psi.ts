/**
 * Population Stability Index: PSI = Σ_bins (c_i - r_i) · ln(c_i / r_i) over the fractions of
 * the reference (r) and current (c) samples falling in each bin (Siddiqi, "Credit Risk
 * Scorecards", Wiley 2006; Yurdakul, "Statistical Properties of Population Stability Index",
 * 2018). The usual reading: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 major shift.
 *
 * Defaults and conventions (matched by the numpy reference in testdata/make_fixtures.py):
 * - 10 bins whose interior edges are the reference quantiles i/10 (numpy "linear" quantiles),
 *   de-duplicated so discrete data gets fewer, non-empty bins; the outer bins are open
 *   (-∞ and +∞), so current values outside the reference range still land in a bin.
 * - bin i holds edge_i <= x < edge_{i+1} (np.searchsorted(edges, x, side="right")).
 * - an empty bin's fraction is floored at epsilon = 1e-4 (0.01 %) so the log stays finite; this
 *   caps one empty bin's contribution at about 0.1 × ln(1000) ≈ 0.7 for a 10 % bin.
 * - NaN values are ignored on both sides.
 */
import { RampartError } from "../core/index.js";
import { quantilesUnsorted } from "./quantile.js";

export const PSI_DEFAULT_BINS = 10;
export const PSI_EPSILON = 1e-4;

export interface PsiBin {
  /** Inclusive lower edge; null for -∞. */
  lower: number | null;
  /** Exclusive upper edge; null for +∞. */
  upper: number | null;
  referenceCount: number;
  currentCount: number;
  referenceFraction: number;
  currentFraction: number;
  /** (c - r) · ln(c / r) with both fractions floored at epsilon. */
  contribution: number;
}

export interface PsiResult {
  value: number;
  bins: PsiBin[];
  /** The interior bin edges (ascending), to bin later samples the same way. */
  edges: number[];
}

export interface PsiOptions {
  /** Number of reference-quantile bins (default 10). */
  bins?: number;
  /** Floor for empty-bin fractions (default 1e-4). */
  epsilon?: number;
}

/** Counts of `values` per bin for ascending interior `edges` (length edges.length + 1). */
export function binCounts(edges: ArrayLike<number>, values: ArrayLike<number>): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  const k = edges.length;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) continue;
    // Binary search for the number of edges <= x.
    let lo = 0;
    let hi = k;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]!++;
  }
  return counts;
}

function psiOfCounts(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  epsilon: number,
  edges: number[] | null,
): PsiResult {
  if (reference.length !== current.length) {
    throw new RampartError("E_DATA", "PSI: reference and current have different bin counts", {
      details: { reference: reference.length, current: current.length },
    });
  }
  let refTotal = 0;
  let curTotal = 0;
  for (let i = 0; i < reference.length; i++) {
    refTotal += reference[i]!;
    curTotal += current[i]!;
  }
  if (!(refTotal > 0) || !(curTotal > 0)) {
    throw new RampartError("E_DATA", "PSI needs at least one value in each sample", {
      details: { reference: refTotal, current: curTotal },
    });
  }
  const bins: PsiBin[] = [];
  let value = 0;
  for (let i = 0; i < reference.length; i++) {
    const referenceFraction = reference[i]! / refTotal;
    const currentFraction = current[i]! / curTotal;
    const r = Math.max(referenceFraction, epsilon);
    const c = Math.max(currentFraction, epsilon);
    const contribution = (c - r) * Math.log(c / r);
    value += contribution;
    bins.push({
      lower: edges === null || i === 0 ? null : edges[i - 1]!,
      upper: edges === null || i === edges.length ? null : edges[i]!,
      referenceCount: reference[i]!,
      currentCount: current[i]!,
      referenceFraction,
      currentFraction,
      contribution,
    });
  }
  return { value, bins, edges: edges ?? [] };
}

/** PSI from per-bin counts you already have (e.g. categorical frequencies, aligned). */
export function psiFromCounts(
  referenceCounts: ArrayLike<number>,
  currentCounts: ArrayLike<number>,
  options: { epsilon?: number } = {},
): PsiResult {
  return psiOfCounts(referenceCounts, currentCounts, options.epsilon ?? PSI_EPSILON, null);
}

function finiteCopy(values: ArrayLike<number>): Float64Array {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) count++;
  const out = new Float64Array(count);
  let j = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) out[j++] = values[i]!;
  return out;
}

function edgesOf(values: ArrayLike<number>, bins: number): number[] {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new RampartError("E_USAGE", `PSI: bins must be a positive integer, got ${bins}`);
  }
  const finite = finiteCopy(values);
  if (finite.length === 0)
    throw new RampartError("E_DATA", "PSI needs at least one reference value");
  // Selection, not a sort: the reference is only needed at bins - 1 order statistics (pairs).
  const levels = Array.from({ length: bins - 1 }, (_, i) => (i + 1) / bins);
  const edges: number[] = [];
  for (const edge of quantilesUnsorted(finite, levels)) {
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  return edges;
}

/** Interior edges: the de-duplicated reference quantiles i/bins, i = 1 … bins-1. */
export function psiEdges(reference: ArrayLike<number>, bins = PSI_DEFAULT_BINS): number[] {
  return edgesOf(reference, bins);
}

/** PSI of `current` against `reference`, binned on the reference's quantiles. */
export function psi(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  options: PsiOptions = {},
): PsiResult {
  const edges = edgesOf(reference, options.bins ?? PSI_DEFAULT_BINS);
  return psiOfCounts(
    binCounts(edges, reference),
    binCounts(edges, current),
    options.epsilon ?? PSI_EPSILON,
    edges,
  );
}
