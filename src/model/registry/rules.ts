import { type Finding, severityRank } from "../../core/index.js";
import { type PromotionRule, ruleFinding } from "./findings.js";
import type { ArtifactInspection } from "./inspect.js";
import type { PromotionPolicy } from "./policy.js";
import type { ModelVersion, Stage } from "./types.js";
import type { VettingStatus } from "./vetting.js";

export interface RuleOutcome {
  rule: PromotionRule;
  ok: boolean;
  /** One sentence, for people: what was checked and what was found. */
  message: string;
  evidence: Record<string, unknown>;
}

/**
 * The promotion policy as a pure function of what was observed: every rule is evaluated,
 * none short-circuits another, so a refusal lists everything that has to be fixed at once.
 */
export function evaluatePromotion(
  version: ModelVersion,
  inspection: ArtifactInspection,
  policy: PromotionPolicy,
  datasets: { id: string; status: VettingStatus }[],
): RuleOutcome[] {
  const outcomes: RuleOutcome[] = [];
  const { integrity, signature, scan } = inspection;
  outcomes.push({
    rule: "integrity",
    ok: integrity.ok,
    message: integrity.ok
      ? `all ${integrity.files.length} stored file(s) match their recorded digests`
      : `the stored artifact changed since registration: ${integrity.problems.slice(0, 5).join("; ")}`,
    evidence: { files: integrity.files.filter((f) => f.status !== "ok") },
  });

  if (version.signature === undefined) {
    outcomes.push({
      rule: "signature.required",
      ok: !policy.requireSignature,
      message: policy.requireSignature
        ? "the version is not signed, and models.promotion.require_signature is on"
        : "not signed (no signature required)",
      evidence: {},
    });
  } else {
    const verified = signature?.verified === true;
    outcomes.push({
      rule: "signature.trusted",
      ok: verified,
      message: verified
        ? `signature verified (${signature?.signer?.trustedBy})`
        : `the signature does not verify against a trusted key or identity: ${(signature?.problems ?? ["not checked"]).join("; ")}`,
      evidence: {
        problems: signature?.problems ?? [],
        files: (signature?.files ?? []).filter((f) => f.status !== "ok"),
        recorded_signer: version.signature.signer,
      },
    });
  }

  const threshold = policy.maxScanSeverity;
  const above = (scan?.findings ?? []).filter(
    (f) => severityRank(f.severity) > severityRank(threshold),
  );
  const scanOk = scan !== undefined && scan.errors.length === 0 && above.length === 0;
  outcomes.push({
    rule: "scan.max_severity",
    ok: scanOk,
    message:
      scan === undefined
        ? "the artifact could not be restored, so it was not scanned"
        : scan.errors.length > 0
          ? `the scan could not read ${scan.errors.length} file(s): ${scan.errors.map((e) => e.path).join(", ")}`
          : above.length > 0
            ? `the scan found ${above.length} finding(s) above ${threshold} (highest ${scan.maxSeverity}): ${above
                .slice(0, 3)
                .map((f) => f.title)
                .join("; ")}`
            : `no scan finding above ${threshold} (highest ${scan.maxSeverity ?? "none"})`,
    evidence: {
      max_scan_severity: threshold,
      found: scan?.maxSeverity ?? null,
      findings: above.map((f) => f.id),
      errors: scan?.errors ?? [],
    },
  });

  if (policy.requireVettedDatasets) {
    const notVetted = datasets.filter((d) => d.status !== "vetted");
    const ok = datasets.length > 0 && notVetted.length === 0;
    outcomes.push({
      rule: "lineage.vetted_datasets",
      ok,
      message:
        datasets.length === 0
          ? "no training dataset snapshot is recorded, so none can be shown to be vetted"
          : ok
            ? `all ${datasets.length} dataset snapshot(s) are vetted`
            : `dataset snapshot(s) not vetted: ${notVetted.map((d) => `${d.id} (${d.status})`).join(", ")}`,
      evidence: { datasets },
    });
  }
  return outcomes;
}

/** One finding per unmet rule. */
export function refusalFindings(
  version: ModelVersion,
  to: Stage,
  outcomes: readonly RuleOutcome[],
): Finding[] {
  return outcomes
    .filter((o) => !o.ok)
    .map((o) =>
      ruleFinding({
        detector: "model.promote",
        rule: o.rule,
        name: version.name,
        version: version.version,
        severity: o.rule === "integrity" ? "critical" : "high",
        title: `promotion of ${version.name}@${version.version} to ${to} refused: ${o.message}`,
        evidence: { ...o.evidence, to },
        remediation: REMEDIATION[o.rule],
      }),
    );
}

const REMEDIATION: Record<PromotionRule, string> = {
  integrity:
    "treat the blob store as compromised: compare with a backup, find who had write access, and register the model again from a trusted source",
  "signature.required":
    "sign the model (rampart model sign) and register it again with --signature, or turn off models.promotion.require_signature",
  "signature.trusted":
    "check that the signer's public key or identity is in models.promotion.trusted_keys / trusted_identities; if it is, the files differ from what was signed",
  "scan.max_severity":
    "inspect the scan findings (rampart model show NAME@VERSION lists them); do not load the artifact until they are understood",
  "lineage.vetted_datasets":
    "vet the dataset snapshots the model was trained on, or register it with the snapshots it really used",
};
