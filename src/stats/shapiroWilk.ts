/**
 * Shapiro–Wilk test of normality, matching scipy.stats.shapiro (scipy 1.10), which runs
 * Royston's Algorithm AS R94 (Applied Statistics 44(4), 1995; scipy/stats/statlib/swilk.f):
 * coefficients from Royston's polynomial approximations over Blom scores (AS 111 normal
 * quantiles), W as the squared correlation between the sorted sample and the coefficients,
 * and the p-value from Royston's normalising transformation of log(1 - W) (exact for n = 3).
 *
 * scipy runs that Fortran in single precision (REAL), and for large n the p-value depends on
 * it: 1 - W is a difference of nearly equal float32 sums. To agree with scipy to 1e-6 this port
 * repeats the float32 arithmetic operation by operation with Math.fround (`f` below), including
 * AS 111 (PPND) and AS 181 (POLY) in single precision and Hill's AS 66 (ALNORM) in double, as
 * swilk.f does. Like scipy: the sample is centred on its median first, n must be 3 … 5000 for
 * an accurate p-value (larger n still returns a result, as scipy does with a warning), and a
 * sample with zero range gives W = 1, p = 1.
 */
import { RampartError } from "../core/index.js";
import { sortFloat64InPlace } from "./sort.js";

const f = Math.fround;

const C1 = [0.0, 0.221157, -0.147981, -2.07119, 4.434685, -2.706056].map(f);
const C2 = [0.0, 0.042981, -0.293762, -1.752461, 5.682633, -3.582633].map(f);
const C3 = [0.544, -0.39978, 0.025054, -6.714e-4].map(f);
const C4 = [1.3822, -0.77857, 0.062767, -0.0020322].map(f);
const C5 = [-1.5861, -0.31082, -0.083751, 0.0038915].map(f);
const C6 = [-0.4803, -0.082676, 0.0030302].map(f);
const G = [-2.273, 0.459].map(f);
// biome-ignore lint/suspicious/noApproximativeNumericConstant: AS R94 uses this rounded value
const SQRTH = f(0.70711);
const QTR = f(0.25);
const TH = f(0.375);
const SMALL = f(1e-19);
const PI6 = f(1.909859);
const STQR = f(1.047198);

/** AS 181.2: c[0] + c[1] x + … in float32, in the Fortran's evaluation order. */
function poly(c: number[], x: number): number {
  const nord = c.length;
  let result = c[0]!;
  if (nord === 1) return result;
  let p = f(x * c[nord - 1]!);
  for (let j = nord - 2; j >= 1; j--) p = f(f(p + c[j]!) * x);
  result = f(result + p);
  return result;
}

const PPND_A = [2.50662823884, -18.61500062529, 41.39119773534, -25.44106049637].map(f);
const PPND_B = [-8.4735109309, 23.08336743743, -21.06224101826, 3.13082909833].map(f);
const PPND_C = [-2.78718931138, -2.29796479134, 4.85014127135, 2.32121276858].map(f);
const PPND_D = [3.54388924762, 1.63706781897].map(f);

/** AS 111 (Beasley & Springer 1977): the normal quantile in single precision. */
function ppnd(p: number): number {
  const [a0, a1, a2, a3] = PPND_A as [number, number, number, number];
  const [b1, b2, b3, b4] = PPND_B as [number, number, number, number];
  const [c0, c1, c2, c3] = PPND_C as [number, number, number, number];
  const [d1, d2] = PPND_D as [number, number];
  const q = f(p - 0.5);
  if (Math.abs(q) <= f(0.42)) {
    const r = f(q * q);
    const num = f(f(f(f(f(f(a3 * r) + a2) * r) + a1) * r) + a0);
    const den = f(f(f(f(f(f(f(f(b4 * r) + b3) * r) + b2) * r) + b1) * r) + 1);
    return f(f(q * num) / den);
  }
  let r = q > 0 ? f(1 - p) : p;
  if (r <= 0) return 0;
  r = f(Math.sqrt(f(-f(Math.log(r)))));
  const value = f(
    f(f(f(f(f(f(c3 * r) + c2) * r) + c1) * r) + c0) / f(f(f(f(d2 * r) + d1) * r) + 1),
  );
  return q < 0 ? -value : value;
}

/** AS 66 (Hill 1973, 2001 limits): the upper (or lower) normal tail area, in double. */
function alnorm(x: number, upper: boolean): number {
  const ltone = 7;
  const utzero = 38;
  const con = 1.28;
  let up = upper;
  let z = x;
  if (z < 0) {
    up = !up;
    z = -z;
  }
  let value: number;
  if (z <= ltone || (up && z <= utzero)) {
    const y = 0.5 * z * z;
    if (z > con) {
      value =
        (0.398942280385 * Math.exp(-y)) /
        (z -
          3.8052e-8 +
          1.00000615302 /
            (z +
              3.98064794e-4 +
              1.98615381364 /
                (z -
                  0.151679116635 +
                  5.29330324926 /
                    (z +
                      4.8385912808 -
                      15.1508972451 / (z + 0.742380924027 + 30.789933034 / (z + 3.99019417011))))));
    } else {
      value =
        0.5 -
        z *
          (0.398942280444 -
            (0.399903438504 * y) /
              (y +
                5.75885480458 -
                29.8213557808 / (y + 2.62433121679 + 48.6959930692 / (y + 5.92885724438))));
    }
  } else {
    value = 0;
  }
  return up ? value : 1 - value;
}

/** The AS R94 coefficients a_1 … a_{n/2} (float32). */
function coefficients(n: number): number[] {
  const n2 = Math.floor(n / 2);
  const a = new Array<number>(n2).fill(0);
  if (n === 3) {
    a[0] = SQRTH;
    return a;
  }
  const an = f(n);
  const an25 = f(an + QTR);
  let summ2 = 0;
  for (let i = 1; i <= n2; i++) {
    const ai = ppnd(f(f(f(i) - TH) / an25));
    a[i - 1] = ai;
    summ2 = f(summ2 + f(ai * ai));
  }
  summ2 = f(summ2 * 2);
  const ssumm2 = f(Math.sqrt(summ2));
  const rsn = f(1 / f(Math.sqrt(an)));
  const a1 = f(poly(C1, rsn) - f(a[0]! / ssumm2));
  let first: number;
  let fac: number;
  if (n > 5) {
    first = 3;
    const a2 = f(f(-a[1]! / ssumm2) + poly(C2, rsn));
    const num = f(f(summ2 - f(2 * f(a[0]! * a[0]!))) - f(2 * f(a[1]! * a[1]!)));
    const den = f(f(1 - f(2 * f(a1 * a1))) - f(2 * f(a2 * a2)));
    fac = f(Math.sqrt(f(num / den)));
    a[0] = a1;
    a[1] = a2;
  } else {
    first = 2;
    const num = f(summ2 - f(2 * f(a[0]! * a[0]!)));
    const den = f(1 - f(2 * f(a1 * a1)));
    fac = f(Math.sqrt(f(num / den)));
    a[0] = a1;
  }
  for (let i = first; i <= n2; i++) a[i - 1] = f(-a[i - 1]! / fac);
  return a;
}

/** The median (numpy: the mean of the two middle values for even n) of a sorted sample. */
function medianSorted(sorted: Float64Array): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Shapiro–Wilk W and its p-value (scipy.stats.shapiro). NaN values are dropped. */
export function shapiroWilk(values: ArrayLike<number>): { statistic: number; pvalue: number } {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) count++;
  if (count < 3) {
    throw new RampartError("E_DATA", "Shapiro-Wilk needs at least 3 values", {
      details: { n: count },
    });
  }
  const sorted = new Float64Array(count);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) sorted[k++] = values[i]!;
  sortFloat64InPlace(sorted);
  const median = medianSorted(sorted);
  const n = count;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = sorted[i]! - median;

  const a = coefficients(n);
  const range = f(x[n - 1]! - x[0]!);
  if (range < SMALL) return { statistic: 1, pvalue: 1 };

  // a(i) with the antisymmetric sign: -a_i in the lower half, +a_{n+1-i} in the upper.
  let sx = f(x[0]! / range);
  let sa = -a[0]!;
  let j = n - 1;
  for (let i = 2; i <= n; i++) {
    const xi = f(x[i - 1]! / range);
    sx = f(sx + xi);
    if (i !== j) sa = f(sa + Math.sign(i - j) * a[Math.min(i, j) - 1]!);
    j--;
  }
  sa = f(sa / f(n));
  sx = f(sx / f(n));
  let ssa = 0;
  let ssx = 0;
  let sax = 0;
  j = n;
  for (let i = 1; i <= n; i++) {
    const asa = i !== j ? f(Math.sign(i - j) * a[Math.min(i, j) - 1]! - sa) : -sa;
    const xsx = f(f(x[i - 1]! / range) - sx);
    ssa = f(ssa + f(asa * asa));
    ssx = f(ssx + f(xsx * xsx));
    sax = f(sax + f(asa * xsx));
    j--;
  }
  // 1 - W computed as a product of sums, to avoid cancellation when W is near 1.
  const ssassx = f(Math.sqrt(f(ssa * ssx)));
  const w1 = f(f(f(ssassx - sax) * f(ssassx + sax)) / f(ssa * ssx));
  const w = f(1 - w1);

  if (n === 3) {
    const pw = f(PI6 * f(f(Math.asin(f(Math.sqrt(w)))) - STQR));
    return { statistic: w, pvalue: Math.max(0, pw) };
  }
  let y = f(Math.log(w1));
  const logN = f(Math.log(f(n)));
  let m: number;
  let s: number;
  if (n <= 11) {
    const gamma = poly(G, f(n));
    if (y >= gamma) return { statistic: w, pvalue: SMALL };
    y = f(-f(Math.log(f(gamma - y))));
    m = poly(C3, f(n));
    s = f(Math.exp(poly(C4, f(n))));
  } else {
    m = poly(C5, logN);
    s = f(Math.exp(poly(C6, logN)));
  }
  const pw = f(alnorm(f(f(y - m) / s), true));
  return { statistic: w, pvalue: pw };
}
