/** How the detectors round and print the numbers in their findings, in one place. */

export function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

/** 0.1234 → "12%". */
export function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

/** 0.1234 → "12.3%", for shares that are small but matter. */
export function percentTenths(p: number): string {
  return `${(100 * p).toFixed(1)}%`;
}

/** Rounded for evidence: enough digits to read, none of float noise. */
export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
