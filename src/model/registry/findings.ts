import {
  atlas,
  createFinding,
  type Finding,
  owaspMl,
  type Severity,
  sha256Hex,
  type ThreatRef,
} from "../../core/index.js";
import { modelAsset } from "./names.js";

/**
 * The findings the registry raises itself. Ids are derived from what was found, so the same
 * refusal or the same tampering seen twice is stored once.
 */

/** The rules of a promotion, each checked and reported on its own. */
export type PromotionRule =
  | "integrity"
  | "signature.required"
  | "signature.trusted"
  | "scan.max_severity"
  | "lineage.vetted_datasets";

const THREATS: Record<PromotionRule, ThreatRef[]> = {
  // A stored artifact that changed after registration: the model was manipulated at rest.
  integrity: [atlas("AML.T0018"), atlas("AML.T0010.003"), owaspMl("ML10")],
  // No provenance for the artifact: nothing ties it to its producer.
  "signature.required": [atlas("AML.T0010.003"), owaspMl("ML06")],
  // A signature from nobody trusted, or over other bytes: a substituted or altered model.
  "signature.trusted": [atlas("AML.T0010.003"), atlas("AML.T0018"), owaspMl("ML06")],
  // Code that runs on load, found by the artifact scanner.
  "scan.max_severity": [atlas("AML.T0011.000"), atlas("AML.T0010.003"), owaspMl("ML06")],
  // Training data nobody vetted is where poisoning gets in.
  "lineage.vetted_datasets": [atlas("AML.T0020"), atlas("AML.T0010.002"), owaspMl("ML02")],
};

export function ruleThreats(rule: PromotionRule): ThreatRef[] {
  return THREATS[rule];
}

export function ruleFinding(input: {
  detector: string;
  rule: PromotionRule;
  name: string;
  version: string;
  severity: Severity;
  title: string;
  evidence: Record<string, unknown>;
  remediation: string;
}): Finding {
  return createFinding({
    id: `${input.detector}:${sha256Hex(
      `${input.name}@${input.version}\n${input.rule}\n${input.title}`,
    ).slice(0, 32)}`,
    detector: input.detector,
    title: input.title,
    severity: input.severity,
    asset: modelAsset(input.name, input.version),
    threats: ruleThreats(input.rule),
    evidence: { rule: input.rule, ...input.evidence },
    remediation: input.remediation,
  });
}
