/**
 * Multiple-testing corrections, returning adjusted p-values in the input order, like
 * statsmodels.stats.multitest.multipletests(p, method="holm" | "fdr_bh")[1]:
 * - Holm, "A simple sequentially rejective multiple test procedure", Scand. J. Stat. 6, 1979:
 *   controls the family-wise error rate. Sorted ascending, adj_(i) = max_{j<=i} (m - j) p_(j).
 * - Benjamini & Hochberg, "Controlling the false discovery rate", JRSS B 57(1), 1995: controls
 *   the false discovery rate. adj_(i) = min_{j>=i} m p_(j) / (j + 1).
 * Both cap at 1. NaN p-values stay NaN and do not count towards m.
 */

function order(pvalues: number[]): number[] {
  const idx: number[] = [];
  for (let i = 0; i < pvalues.length; i++) if (!Number.isNaN(pvalues[i]!)) idx.push(i);
  // The order among tied p-values does not change the adjusted values (the running max/min).
  return idx.sort((a, b) => pvalues[a]! - pvalues[b]!);
}

/** Holm–Bonferroni adjusted p-values. */
export function holm(pvalues: number[]): number[] {
  const out = pvalues.map(() => Number.NaN);
  const idx = order(pvalues);
  const m = idx.length;
  let running = 0;
  for (let j = 0; j < m; j++) {
    const i = idx[j]!;
    running = Math.max(running, Math.min(1, (m - j) * pvalues[i]!));
    out[i] = running;
  }
  return out;
}

/** Benjamini–Hochberg adjusted p-values (FDR q-values). */
export function benjaminiHochberg(pvalues: number[]): number[] {
  const out = pvalues.map(() => Number.NaN);
  const idx = order(pvalues);
  const m = idx.length;
  let running = 1;
  for (let j = m - 1; j >= 0; j--) {
    const i = idx[j]!;
    // statsmodels divides by the ecdf factor (j+1)/m, so the largest p maps to itself exactly.
    running = Math.min(running, pvalues[i]! / ((j + 1) / m));
    out[i] = running;
  }
  return out;
}
