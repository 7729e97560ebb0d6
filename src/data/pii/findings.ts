import {
  type AssetRef,
  atlas,
  createFinding,
  type Finding,
  owaspLlm,
  owaspMl,
  SEVERITIES,
  type Severity,
  severityRank,
} from "../../core/index.js";
import { detectorFor } from "./detectors.js";
import type { PiiColumnReport, PiiKindCount, PiiScanReport } from "./scan.js";

/**
 * Personal data in training data is not an attack by itself; it is what a model can leak.
 * Models memorise rare values, and an attacker with query access recovers them by membership
 * inference (ATLAS AML.T0024.000 Infer Training Data Membership, OWASP ML04) or inversion
 * (OWASP ML03 Model Inversion); generative models regurgitate them (ATLAS AML.T0057 LLM Data
 * Leakage, OWASP LLM02 Sensitive Information Disclosure). Those are the threats a PII finding
 * is evidence for: remove the data and the leak has nothing to leak.
 */
const PII_THREATS = [
  atlas("AML.T0024.000"),
  atlas("AML.T0057"),
  owaspMl("ML03"),
  owaspMl("ML04"),
  owaspLlm("LLM02"),
];

/**
 * Below this share of a column's values, a kind is taken as stray (an address typed into a
 * comment field) and its severity drops one level: worth a look, not a blocked pipeline.
 */
export const STRAY_FRACTION = 0.01;

/**
 * Severity of one kind in one column: the kind's own (card, SSN, IBAN high: financial or
 * identity fraud; email, phone medium: direct contact; IP low: identifies a subscriber, not a
 * person), one level lower when fewer than 1% of the values hold it, never below low.
 */
export function kindSeverity(count: PiiKindCount): Severity {
  const base = detectorFor(count.kind).severity;
  if (count.fraction >= STRAY_FRACTION) return base;
  return SEVERITIES[Math.max(severityRank("low"), severityRank(base) - 1)]!;
}

function columnSeverity(column: PiiColumnReport): Severity {
  return column.kinds
    .map(kindSeverity)
    .reduce((a, b) => (severityRank(b) > severityRank(a) ? b : a), "info" as Severity);
}

const percent = (f: number): string =>
  f >= 0.995 ? "100%" : f >= 0.01 ? `${Math.round(f * 100)}%` : `${(f * 100).toFixed(2)}%`;

/** One `data.pii` finding per column that holds personal data. */
export function piiFindings(report: PiiScanReport, asset: AssetRef): Finding[] {
  return report.columns
    .filter((c) => c.kinds.length > 0)
    .map((column) =>
      createFinding({
        detector: "data.pii",
        title: `column "${column.column}" holds ${column.kinds
          .map((k) => `${k.kind} (${percent(k.fraction)} of values)`)
          .join(", ")}`,
        severity: columnSeverity(column),
        asset,
        threats: PII_THREATS,
        evidence: {
          column: column.column,
          scanned: column.scanned,
          kinds: column.kinds.map((k) => ({ ...k, severity: kindSeverity(k) })),
        },
        remediation:
          "drop the column or pseudonymise it before training (`rampart data pii --redact OUT` " +
          "replaces each match with a keyed hash token); keep the raw data out of model inputs",
      }),
    );
}
