import { createFinding, type Finding } from "../../core/index.js";
import { driftThreats, type ValidationContext } from "./context.js";
import type { DriftReport, DriftTest } from "./drift.js";

/** A drift test as the JSON output and the finding evidence spell it (snake_case, stable). */
export function driftTestJson(t: DriftTest, report: DriftReport): Record<string, unknown> {
  const effect: Record<string, number> = {};
  if (t.effect.psi !== undefined) effect.psi = t.effect.psi;
  if (t.effect.wasserstein !== undefined) effect.wasserstein = t.effect.wasserstein;
  if (t.effect.jensenShannon !== undefined) effect.jensen_shannon = t.effect.jensenShannon;
  if (t.effect.cohensH !== undefined) effect.cohens_h = t.effect.cohensH;
  return {
    column: t.column,
    test: t.test,
    method: t.method,
    statistic: t.statistic,
    pvalue: t.pvalue,
    adjusted_pvalue: t.adjustedPvalue,
    correction: report.correction,
    alpha: report.alpha,
    significant: t.significant,
    effect_size: effect,
    severity: t.severity,
    n_reference: t.n.reference,
    n_current: t.n.current,
    ...t.detail,
  };
}

const fmtP = (p: number): string => (p < 1e-4 ? p.toExponential(1) : p.toPrecision(2));
const fmt = (x: number): string =>
  Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3)) : String(x);

function title(t: DriftTest): string {
  const p = `p=${fmtP(t.pvalue)}, adjusted ${fmtP(t.adjustedPvalue)}`;
  switch (t.test) {
    case "ks":
      return `column "${t.column}" shifted: KS D=${fmt(t.statistic)} (${p}), PSI ${fmt(t.effect.psi ?? Number.NaN)}`;
    case "chi2":
      return `column "${t.column}" category mix shifted: χ²=${fmt(t.statistic)} (${p}), PSI ${fmt(t.effect.psi ?? Number.NaN)}`;
    case "null_rate": {
      const pct = (x: unknown) => `${((x as number) * 100).toFixed(1)}%`;
      return `column "${t.column}" null rate ${pct(t.detail.null_rate_reference)} → ${pct(t.detail.null_rate_current)} (${p})`;
    }
  }
}

/** One `data.validate.drift` finding per test significant after the batch's correction. */
export function driftFindings(report: DriftReport, context: ValidationContext): Finding[] {
  return report.tests
    .filter((t) => t.significant)
    .map((t) =>
      createFinding({
        detector: "data.validate.drift",
        title: title(t),
        severity: t.severity,
        asset: context.asset,
        threats: driftThreats(context.trust),
        evidence: { ...driftTestJson(t, report), trust: context.trust },
        remediation:
          context.trust === "untrusted"
            ? "keep the batch out of training until the shift is explained; compare it per source with `rampart data inspect`"
            : "check the producer of the batch; if the shift is real, retrain on it deliberately and take a new reference snapshot",
      }),
    );
}
