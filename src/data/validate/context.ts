import { type AssetRef, atlas, owaspMl, type ThreatRef } from "../../core/index.js";

/**
 * How far the validated batch is trusted: the snapshot's source trust, the `--source` given, or
 * `unknown` for a bare file nobody vouched for.
 */
export type BatchTrust = "trusted" | "vetted" | "untrusted" | "unknown";

export interface ValidationContext {
  asset: AssetRef;
  trust: BatchTrust;
}

/**
 * A batch that breaks its schema or expectations has lost integrity (ATLAS AML.T0059 Erode
 * Dataset Integrity). Only when it arrived through an untrusted path is poisoning the honest
 * reading (ATLAS AML.T0020 Poison Training Data, OWASP ML02): from a trusted pipeline the usual
 * cause is a broken upstream job, and calling that an attack would teach people to ignore it.
 * An unknown path is not called an attack either; declare the source (`--source`) to say so.
 */
export function integrityThreats(trust: BatchTrust): ThreatRef[] {
  const base = [atlas("AML.T0059")];
  return trust === "untrusted" ? [atlas("AML.T0020"), owaspMl("ML02"), ...base] : base;
}

/**
 * A shifted distribution skews what the model learns (OWASP ML08 Model Skewing: feedback data
 * pushed toward the attacker's goal). From an untrusted source the shift is also what poisoning
 * looks like from outside (AML.T0020, ML02).
 */
export function driftThreats(trust: BatchTrust): ThreatRef[] {
  const base = [owaspMl("ML08")];
  return trust === "untrusted" ? [atlas("AML.T0020"), owaspMl("ML02"), ...base] : base;
}
