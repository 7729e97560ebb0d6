/**
 * The distribution functions the tests need: the standard normal (cdf, sf, ppf), log-gamma, the
 * regularized incomplete gamma functions and the chi-square tail built on them.
 *
 * Accuracy matters in the tails: a drift test reports p-values of 1e-30 and those must be right
 * to a relative 1e-6 or better, so survival functions are computed directly (erfc, the gamma
 * continued fraction), never as 1 - cdf.
 *
 * Sources:
 * - erf/erfc: the Maclaurin series with positive terms, erf(x) = 2/sqrt(pi) e^-x^2
 *   sum (2x^2)^n x / (1·3·…·(2n+1)) (Abramowitz & Stegun 7.1.6), and Laplace's continued fraction
 *   for erfc (A&S 7.1.14) beyond x = 2, evaluated with the modified Lentz method.
 * - normalPpf: Acklam's rational approximation refined by one Halley step on erfc (the usual
 *   recipe; full double precision after the step). Matches scipy.stats.norm.ppf.
 * - logGamma: Lanczos (g = 7, n = 9) below 10, the Stirling series above (A&S 6.1.41).
 * - regularized incomplete gamma: series for x < a + 1, continued fraction otherwise
 *   (Numerical Recipes 3rd ed. §6.2), like scipy.special.gammainc / gammaincc.
 */

const SQRT_PI = Math.sqrt(Math.PI);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const EPSILON = Number.EPSILON;
const TINY = 1e-300;

/** erf(x) for |x| < 2 from the positive-term series (no cancellation). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * EPSILON) break;
  }
  return ((2 / SQRT_PI) * Math.exp(-x2) * sum) as number;
}

/** erfc(x) for x >= 2 by Laplace's continued fraction x + 1/2 / (x + 1 / (x + 3/2 / (x + …))). */
function erfcContinuedFraction(x: number): number {
  // f = x + K(a_n / x) with a_n = n/2; modified Lentz.
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? TINY : d;
    c = x + a / c;
    c = c === 0 ? TINY : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return Math.exp(-x * x) / (SQRT_PI * f);
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return -erf(-x);
  if (x < 2) return erfSeries(x);
  return 1 - erfcContinuedFraction(x);
}

/** 1 - erf(x), accurate to a relative few ulps far into the tail (erfc(26) ≈ 6e-296). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) return 1 - erfSeries(x);
  if (x > 27.3) return 0;
  return erfcContinuedFraction(x);
}

/** P(Z <= x) for a standard normal Z (scipy.stats.norm.cdf). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** P(Z > x) for a standard normal Z, accurate in the upper tail (scipy.stats.norm.sf). */
export function normalSf(x: number): number {
  return 0.5 * erfc(x / Math.SQRT2);
}

const ACKLAM_A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
  -3.066479806614716e1, 2.506628277459239,
] as const;
const ACKLAM_B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
  -1.328068155288572e1,
] as const;
const ACKLAM_C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
  4.374664141464968, 2.938163982698783,
] as const;
const ACKLAM_D = [
  7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416,
] as const;

function acklam(p: number): number {
  const [a0, a1, a2, a3, a4, a5] = ACKLAM_A;
  const [b0, b1, b2, b3, b4] = ACKLAM_B;
  const [c0, c1, c2, c3, c4, c5] = ACKLAM_C;
  const [d0, d1, d2, d3] = ACKLAM_D;
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    return -(
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/** The standard normal quantile: x with P(Z <= x) = p (scipy.stats.norm.ppf). */
export function normalPpf(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  let x = acklam(p);
  // Halley refinement against the tail that is small, so relative accuracy holds in both tails.
  for (let step = 0; step < 2; step++) {
    const error = p < 0.5 ? normalCdf(x) - p : 1 - p - normalSf(x);
    const density = Math.exp(-0.5 * x * x - LOG_SQRT_2PI);
    if (density === 0) break;
    const u = error / density;
    x -= u / (1 + 0.5 * x * u);
  }
  return x;
}

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
] as const;

/** log Γ(x) for x > 0 (scipy.special.gammaln). */
export function logGamma(x: number): number {
  if (Number.isNaN(x) || x <= 0) return x === 0 ? Number.POSITIVE_INFINITY : Number.NaN;
  if (x < 0.5) {
    // Reflection keeps the Lanczos sum in its accurate range.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  if (x >= 10) {
    const r = 1 / x;
    const r2 = r * r;
    const series =
      r *
      (1 / 12 -
        r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 * (1 / 1188 - (691 / 360360) * r2)))));
    return (x - 0.5) * Math.log(x) - x + LOG_SQRT_2PI + series;
  }
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return LOG_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** log of the common prefactor x^a e^-x / Γ(a). */
function gammaPrefactorLog(a: number, x: number): number {
  return a * Math.log(x) - x - logGamma(a);
}

/** P(a, x) by its series; call only for x < a + 1. */
function gammaPSeries(a: number, x: number): number {
  let ap = a;
  let term = 1 / a;
  let sum = term;
  for (let n = 0; n < 100_000; n++) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
  }
  return sum * Math.exp(gammaPrefactorLog(a, x));
}

/** Q(a, x) by its continued fraction; call only for x >= a + 1. */
function gammaQContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return Math.exp(gammaPrefactorLog(a, x)) * h;
}

/** The regularized lower incomplete gamma P(a, x) (scipy.special.gammainc). */
export function regularizedGammaP(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return Number.NaN;
  if (x === 0) return 0;
  if (x === Number.POSITIVE_INFINITY) return 1;
  if (x < a + 1) return gammaPSeries(a, x);
  return 1 - gammaQContinuedFraction(a, x);
}

/** The regularized upper incomplete gamma Q(a, x) = 1 - P(a, x) (scipy.special.gammaincc). */
export function regularizedGammaQ(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x) || a <= 0 || x < 0) return Number.NaN;
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (x < a + 1) return 1 - gammaPSeries(a, x);
  return gammaQContinuedFraction(a, x);
}

/** P(X > x) for X ~ chi-square with `dof` degrees of freedom (scipy.stats.chi2.sf). */
export function chiSquareSf(x: number, dof: number): number {
  if (Number.isNaN(x) || Number.isNaN(dof) || dof <= 0) return Number.NaN;
  if (x <= 0) return 1;
  return regularizedGammaQ(dof / 2, x / 2);
}

/** P(X <= x) for X ~ chi-square with `dof` degrees of freedom (scipy.stats.chi2.cdf). */
export function chiSquareCdf(x: number, dof: number): number {
  if (Number.isNaN(x) || Number.isNaN(dof) || dof <= 0) return Number.NaN;
  if (x <= 0) return 0;
  return regularizedGammaP(dof / 2, x / 2);
}
