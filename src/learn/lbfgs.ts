/**
 * Limited-memory BFGS (Nocedal & Wright, "Numerical Optimization", 2nd ed., Algorithm 7.4/7.5)
 * with a backtracking Armijo line search: enough for the smooth, convex objectives the learners
 * here minimise (L2-regularised logistic loss). Memory m = 10 as scipy's L-BFGS-B default.
 */

/** Writes the gradient at `x` into `gradient` and returns the objective value. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  maxIter?: number;
  /** Stop when max |gradient| ≤ gtol · max(1, max |initial gradient|). */
  gtol?: number;
  memory?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  converged: boolean;
}

export function minimizeLbfgs(
  objective: Objective,
  start: Float64Array,
  options: LbfgsOptions = {},
): LbfgsResult {
  const n = start.length;
  const maxIter = options.maxIter ?? 500;
  const gtol = options.gtol ?? 1e-8;
  const m = options.memory ?? 10;
  const x = Float64Array.from(start);
  const g = new Float64Array(n);
  let f = objective(x, g);
  const scaleTol = gtol * Math.max(1, maxAbs(g));
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  const direction = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  let iterations = 0;
  let converged = maxAbs(g) <= scaleTol;
  while (!converged && iterations < maxIter) {
    iterations++;
    // Two-loop recursion: direction = -H·g.
    for (let i = 0; i < n; i++) direction[i] = -g[i]!;
    for (let k = s.length - 1; k >= 0; k--) {
      const a = rho[k]! * dot(s[k]!, direction);
      alpha[k] = a;
      axpy(-a, y[k]!, direction);
    }
    if (s.length > 0) {
      const last = s.length - 1;
      const gamma = dot(s[last]!, y[last]!) / dot(y[last]!, y[last]!);
      for (let i = 0; i < n; i++) direction[i]! *= gamma;
    } else {
      // First step: a unit-length move along the negative gradient.
      const norm = Math.sqrt(dot(direction, direction));
      if (norm > 0) for (let i = 0; i < n; i++) direction[i]! /= norm;
    }
    for (let k = 0; k < s.length; k++) {
      const b = rho[k]! * dot(y[k]!, direction);
      axpy(alpha[k]! - b, s[k]!, direction);
    }
    let slope = dot(g, direction);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      s.length = 0;
      y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -g[i]!;
      slope = dot(g, direction);
    }
    let step = 1;
    let fNew = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * direction[i]!;
      fNew = objective(xNew, gNew);
      if (fNew <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNew <= f + 1e-4 * step * slope)) break; // line search failed: at machine precision
    const sk = new Float64Array(n);
    const yk = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sk[i] = xNew[i]! - x[i]!;
      yk[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(sk, yk);
    if (sy > 1e-12 * Math.sqrt(dot(sk, sk) * dot(yk, yk))) {
      if (s.length === m) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
    }
    const decrease = f - fNew;
    x.set(xNew);
    g.set(gNew);
    f = fNew;
    converged = maxAbs(g) <= scaleTol;
    if (!converged && decrease <= 1e-15 * Math.max(1, Math.abs(f))) break;
  }
  return { x, value: f, iterations, converged };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i]! += a * x[i]!;
}

function maxAbs(a: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]!);
    if (v > max) max = v;
  }
  return max;
}
