/** A number as JSON can carry it: NaN and ±Infinity become null. */
export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
