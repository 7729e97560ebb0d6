/**
 * Jensen–Shannon distance between two discrete distributions: the square root of the
 * Jensen–Shannon divergence, exactly scipy.spatial.distance.jensenshannon(p, q, base): both
 * inputs are normalised to sum 1, m = (p + q) / 2, JSD = (KL(p‖m) + KL(q‖m)) / 2 with natural
 * logarithms unless `base` is given (base 2 bounds the distance by 1). Lin, "Divergence measures
 * based on the Shannon entropy", IEEE Trans. Inf. Theory 37(1), 1991.
 */
import { RampartError } from "../core/index.js";

/** x·log(x/y) with scipy.special.rel_entr's conventions (0 when x = 0). */
function relativeEntropy(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Number.POSITIVE_INFINITY;
}

/** The Jensen–Shannon distance (scipy.spatial.distance.jensenshannon). */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>, base?: number): number {
  if (p.length !== q.length) {
    throw new RampartError("E_DATA", "Jensen-Shannon: the two distributions differ in length", {
      details: { p: p.length, q: q.length },
    });
  }
  let sumP = 0;
  let sumQ = 0;
  for (let i = 0; i < p.length; i++) {
    sumP += p[i]!;
    sumQ += q[i]!;
  }
  let divergence = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]! / sumP;
    const qi = q[i]! / sumQ;
    const m = (pi + qi) / 2;
    divergence += relativeEntropy(pi, m) + relativeEntropy(qi, m);
  }
  if (base !== undefined) divergence /= Math.log(base);
  return Math.sqrt(divergence / 2);
}
