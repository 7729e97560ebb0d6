/**
 * The one-sided Smirnov distribution: P(D+_n >= x) for the one-sample statistic
 * D+_n = sup (F_n - F). This is scipy.special.smirnov (scipy/special/cephes/kolmogorov.c,
 * van Mulbregt 2018), which `kstwo` calls for the upper tail of the two-sided statistic.
 *
 * The Birnbaum–Tingey sum (Smirnov 1944; Birnbaum & Tingey 1951)
 *   P(D+_n >= x) = x · sum_{v=0}^{floor(n(1-x))} C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v)
 * has positive terms, so it is summed term by term in log space (scipy keeps double-double
 * mantissas instead; for a p-value the log-space sum is accurate to ~1e-12 relative). The same
 * early exit as scipy stops once the remaining terms cannot change the sum; n above 10^6 uses the
 * same closed-form approximation p ≈ exp(-(6nx+1)^2 / 18n) that scipy does.
 */

/** exp() of anything below this is 0 (cephes MINLOG). */
const MIN_LOG = Math.log(2 ** -1022);
/** Above this n scipy stops summing and uses the approximation. */
const MAX_COMPUTE_N = 1_000_000;

/** P(D+_n >= x): scipy.special.smirnov(n, x). */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;

  const nx = n * x;
  const nxFloor = Math.floor(nx);
  const alpha = nx - nxFloor;
  // Last index of the lower sum: the term with 1 - x - v/n = 0 contributes nothing.
  let lastTerm = n - nxFloor - (alpha === 0 ? 0 : 1);
  if (alpha === 0) lastTerm -= 1;

  if (nxFloor === 0 || (nxFloor === 1 && alpha === 0)) {
    // x <= 1/n: the cdf is x (1 + x)^(n-1) exactly.
    return Math.min(1, Math.max(0, 1 - x * (1 + x) ** (n - 1)));
  }
  if (-2 * n * x * x < MIN_LOG) return 0;
  if (nxFloor >= n - 1) return (1 - x) ** n;
  if (n > MAX_COMPUTE_N) {
    const logp = -((6 * n * x + 1) ** 2) / 18 / n;
    // Below log(1/2) the sf is small and exp keeps its relative accuracy; above it, 1 - cdf.
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp);
  }

  const terms = lastTerm + 1;
  const middle = Math.floor(n / 2);
  let logBinomial = 0;
  let sum = 0;
  for (let v = 0; v < terms; v++) {
    const p = x + v / n;
    const logTerm = logBinomial + (v - 1) * Math.log(p) + (n - v) * Math.log1p(-p);
    const term = Math.exp(logTerm);
    sum += term;
    if (term !== 0) {
      if (4 * (terms - v) * term < Number.EPSILON * sum && v !== terms - 1 && v > 0) break;
    } else if (v > middle) {
      break;
    }
    logBinomial += Math.log((n - v) / (v + 1));
  }
  return Math.min(1, Math.max(0, x * sum));
}
