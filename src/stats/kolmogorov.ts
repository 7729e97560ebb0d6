/**
 * The two-sided one-sample Kolmogorov–Smirnov distribution: P(D_n >= d) for
 * D_n = sup |F_n - F| with n observations. This is scipy.stats.kstwo.sf(d, n), i.e. scipy's
 * `_kolmogn(n, d, cdf=False)` (scipy/stats/_ksstats.py, scipy 1.10), and `ks2samp` uses it for
 * its asymptotic two-sided p-value with n = round(n1·n2 / (n1 + n2)).
 *
 * scipy follows Simard & L'Ecuyer, "Computing the Two-Sided Kolmogorov-Smirnov Distribution",
 * J. Stat. Software 39(11), 2011, in choosing between:
 * - Ruben–Gambino closed forms for d <= 1/n and d >= 1 - 1/n,
 * - Durbin's matrix algorithm as evaluated by Marsaglia, Tsang & Wang, "Evaluating Kolmogorov's
 *   Distribution", J. Stat. Software 8(18), 2003 (`dmtwCdf`),
 * - Pomeranz's recursion, CACM Algorithm 487, 1974 (`pomeranzCdf`),
 * - Pelz & Good's asymptotic series, JRSS B 38(2), 1976 (`pelzGoodCdf`),
 * - twice the one-sided Smirnov tail (`smirnovSf`) in the upper tail.
 * The branch points below (n <= 140, n·d^2 thresholds 0.754693, 4, 2.2, 18, 370, n·d^1.5 <= 1.4,
 * n <= 100000) are scipy's, so the p-values agree with scipy's to ~1e-10 and the cost is
 * O(1)-ish in n: the matrix is at most ~115×115, the Smirnov sum stops early.
 */
import { smirnovSf } from "./smirnov.js";

const SCALE_EXPONENT = 128;
const SCALE_UP = 2 ** SCALE_EXPONENT;
const SCALE_DOWN = 2 ** -SCALE_EXPONENT;
const LOG_2PI = Math.log(2 * Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const MIN_LOG = -708;
const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const SQRT3 = Math.sqrt(3);

/** B_2j / (2j (2j-1)) for j = 8 … 1, highest power first (as scipy's polyval uses them). */
const STIRLING = [
  -3617 / 122400,
  1 / 156,
  -691 / 360360,
  1 / 1188,
  -1 / 1680,
  1 / 1260,
  -1 / 360,
  1 / 12,
] as const;

const clip01 = (p: number) => Math.min(1, Math.max(0, p));

/** x · 2^e without the intermediate 2^e overflowing or underflowing. */
function ldexp(x: number, e: number): number {
  let value = x;
  let rest = e;
  while (rest > 1000) {
    value *= 2 ** 1000;
    rest -= 1000;
  }
  while (rest < -1000) {
    value *= 2 ** -1000;
    rest += 1000;
  }
  return value * 2 ** rest;
}

/** log(n! / n^n) by Stirling with n log n removed up front. */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  const z = rn / n;
  let poly = 0;
  for (const c of STIRLING) poly = poly * z + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/** C = A · B for m×m row-major matrices. */
function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const row = i * m;
    for (let k = 0; k < m; k++) {
      const aik = a[row + k]!;
      if (aik === 0) continue;
      const brow = k * m;
      for (let j = 0; j < m; j++) c[row + j]! += aik * b[brow + j]!;
    }
  }
  return c;
}

/** P(D_n <= d) by Durbin's matrix, (n!/n^n)·(H^n)[k,k], with MTW's scaling. */
export function dmtwCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    v[j - 1] = 1 - h ** j;
    w[j - 1] = fac;
    fac /= j;
    v[j - 1]! *= fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;

  let hm: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) hm[r * m + i] = w[r - (i - 1)]!;
  }
  for (let r = 0; r < m; r++) hm[r * m] = v[r]!;
  for (let c = 0; c < m; c++) hm[(m - 1) * m + c] = v[m - 1 - c]!;

  let power: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) power[i * m + i] = 1;
  let nn = n;
  let exponent = 0;
  let hExponent = 0;
  const diagonal = (k - 1) * m + (k - 1);
  while (nn > 0) {
    if (nn % 2 === 1) {
      power = matmul(power, hm, m);
      exponent += hExponent;
    }
    hm = matmul(hm, hm, m);
    hExponent *= 2;
    if (Math.abs(hm[diagonal]!) > SCALE_UP) {
      for (let i = 0; i < hm.length; i++) hm[i]! *= SCALE_DOWN;
      hExponent += SCALE_EXPONENT;
    }
    nn = Math.floor(nn / 2);
  }

  let p = power[diagonal]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < SCALE_DOWN) {
      p *= SCALE_UP;
      exponent -= SCALE_EXPONENT;
    }
  }
  if (exponent !== 0) p = ldexp(p, exponent);
  return clip01(p);
}

/** Row interval [j1, j2] of Pomeranz's recursion, as scipy's `_pomeranz_compute_j1j2`. */
function pomeranzInterval(
  i: number,
  n: number,
  ll: number,
  ceilf: number,
  roundf: number,
): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** P(D_n <= d) by Pomeranz's recursion (two rows, convolutions with Poisson-like weights). */
export function pomeranzCdf(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1;
  twogpower[0] = 1;
  onem2gpower[0] = 1;
  let exponent = 0;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1]! * gOverN) / m;
    twogpower[m] = (twogpower[m - 1]! * twoGOverN) / m;
    onem2gpower[m] = (onem2gpower[m - 1]! * oneMinusTwoGOverN) / m;
  }

  let v0 = new Float64Array(npwrs);
  let v1 = new Float64Array(npwrs);
  v1[0] = 1;
  let v0s = 0;
  let v1s = 0;
  let [j1, j2] = pomeranzInterval(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [v0, v1] = [v1, v0];
    [v0s, v1s] = [v1s, v0s];
    v1.fill(0);
    [j1, j2] = pomeranzInterval(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 === 1 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      // Full convolution of v0[k1-v0s … +ln2) with pwrs[0 … ln2), keeping entries
      // conv[j1-k1 … j2-k1].
      const offset = k1 - v0s;
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      let max = 0;
      for (let out = 0; out < convLen; out++) {
        const idx = convStart + out;
        let s = 0;
        const lo = Math.max(0, idx - (ln2 - 1));
        const hi = Math.min(idx, ln2 - 1);
        for (let a = lo; a <= hi; a++) s += (v0[offset + a] ?? 0) * pwrs[idx - a]!;
        v1[out] = s;
        if (s > max) max = s;
      }
      if (max > 0 && max < SCALE_DOWN) {
        for (let out = 0; out < v1.length; out++) v1[out]! *= SCALE_UP;
        exponent -= SCALE_EXPONENT;
      }
      v1s = v0s + j1 - k1;
    }
  }

  let answer = v1[n - v1s] ?? 0;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(answer) > SCALE_UP) {
      answer *= SCALE_DOWN;
      exponent += SCALE_EXPONENT;
    }
    answer *= m;
  }
  if (exponent !== 0) answer = ldexp(answer, exponent);
  return clip01(answer);
}

/** The Pelz–Good approximation to P(D_n <= x) (cdf) or its complement. */
export function pelzGood(n: number, x: number, cdf: boolean): number {
  if (x <= 0) return cdf ? 0 : 1;
  if (x >= 1) return cdf ? 1 : 0;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < MIN_LOG) return cdf ? 0 : 1;
  let q = Math.exp(qlog);

  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;

  let k0 = 0;
  let k1 = 0;
  let k2 = 0;
  let k3 = 0;
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qpower = q ** (8 * k);
    k0 = k0 * qpower + 1;
    k1 = k1 * qpower + (k1a + k1b * m2);
    k2 = k2 * qpower + (k2a + k2b * m2 + k2c * m4);
    k3 = k3 * qpower + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  const scale = q * SQRT_2PI;
  k0 = (k0 * scale) / z;
  k1 = (k1 * scale) / (6 * z4);
  k2 = (k2 * scale) / (72 * z ** 7);
  k3 = (k3 * scale) / (6480 * z ** 10);

  q = Math.exp(-PI2 / 2 / z2);
  const sqrt3z = SQRT3 * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k > 0; k--) {
    const k2sq = k * k;
    const qpwer = q ** k2sq;
    const kspi = Math.PI * k;
    k2extra += k2sq * qpwer;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * k2sq * qpwer;
  }
  k2 += k2extra * ((PI2 * SQRT_2PI) / (-36 * z3));
  k3 += k3extra * ((PI2 * SQRT_2PI) / (216 * z6));
  k1 /= Math.sqrt(n);
  k2 /= n;
  k3 /= n ** 1.5;
  if (!cdf) return 1 - k0 - k1 - k2 - k3;
  return k0 + k1 + k2 + k3;
}

/** P(D_n >= d), two-sided, n observations: scipy.stats.kstwo.sf(d, n). */
export function kolmogorovSf(n: number, d: number): number {
  if (Number.isNaN(n) || Number.isNaN(d)) return Number.NaN;
  if (!Number.isInteger(n) || n <= 0) return Number.NaN;
  if (d >= 1) return 0;
  // scipy's rv_continuous.sf returns 1 at and below the support's lower end 0.5/n.
  if (d <= 0.5 / n) return 1;
  const t = n * d;
  if (t <= 1) {
    // Ruben–Gambino: P(D_n <= d) = n!/n^n (2t - 1)^n for 1/2n <= d <= 1/n.
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= i * (1 / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - cdf);
  }
  if (t >= n - 1) return clip01(2 * (1 - d) ** n);
  if (d >= 0.5) return clip01(2 * smirnovSf(n, d));

  const nd2 = t * d;
  if (n <= 140) {
    if (nd2 <= 0.754693) return clip01(1 - dmtwCdf(n, d));
    if (nd2 <= 4) return clip01(1 - pomeranzCdf(n, d));
    return clip01(2 * smirnovSf(n, d));
  }
  if (nd2 >= 370) return 0;
  if (nd2 >= 2.2) return clip01(2 * smirnovSf(n, d));
  let cdf: number;
  if (nd2 >= 18) cdf = 1;
  else if (n <= 100_000 && n * d ** 1.5 <= 1.4) cdf = dmtwCdf(n, d);
  else cdf = pelzGood(n, d, true);
  return clip01(1 - cdf);
}
