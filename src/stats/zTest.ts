/**
 * Two-proportion z-test, two-sided, pooled variance: statsmodels
 * proportions_ztest([x1, x2], [n1, n2]) with its defaults (value=None, prop_var=False):
 * p = (x1 + x2) / (n1 + n2), z = (x1/n1 - x2/n2) / sqrt(p (1 - p) (1/n1 + 1/n2)),
 * p-value = 2·P(Z > |z|). When both samples are all successes or all failures the variance is 0;
 * statsmodels returns NaN there, this returns z = 0, p = 1 (the proportions are equal).
 */
import { RampartError } from "../core/index.js";
import { normalSf } from "./distributions.js";

export function zTestProportions(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
): { statistic: number; pvalue: number } {
  for (const [x, n] of [
    [x1, n1],
    [x2, n2],
  ] as const) {
    if (!(n > 0) || !(x >= 0) || x > n) {
      throw new RampartError("E_DATA", "z-test: need 0 <= successes <= trials and trials > 0", {
        details: { successes: x, trials: n },
      });
    }
  }
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (variance === 0) return { statistic: 0, pvalue: 1 };
  const statistic = (p1 - p2) / Math.sqrt(variance);
  return { statistic, pvalue: Math.min(1, 2 * normalSf(Math.abs(statistic))) };
}
