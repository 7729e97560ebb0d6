/** The rows `rows` of a row-major matrix with `nFeatures` columns, copied into a new one in that order. */
export function gatherRows(
  X: Float64Array,
  nFeatures: number,
  rows: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(rows.length * nFeatures);
  for (let t = 0; t < rows.length; t++) {
    const r = rows[t]!;
    out.set(X.subarray(r * nFeatures, (r + 1) * nFeatures), t * nFeatures);
  }
  return out;
}
