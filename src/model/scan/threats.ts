import { atlas, owaspMl, type ThreatRef } from "../../core/index.js";

/**
 * Threat mappings shared by the artifact scanners. A model file that runs code when loaded is
 * an unsafe AI artifact (AML.T0011.000) delivered through the model supply chain
 * (AML.T0010.003, AML.T0058); code hidden in weights is AML.T0018.002. OWASP ML06 throughout.
 */
export const UNSAFE_ARTIFACT: ThreatRef[] = [
  atlas("AML.T0011.000"),
  atlas("AML.T0010.003"),
  owaspMl("ML06"),
];

/** Code that runs on load: everything above plus Embed Malware and Publish Poisoned Models. */
export const CODE_EXECUTION: ThreatRef[] = [
  atlas("AML.T0011.000"),
  atlas("AML.T0018.002"),
  atlas("AML.T0058"),
  atlas("AML.T0010.003"),
  owaspMl("ML06"),
];

/** A file that is malformed in a way that can hide content from a scanner or crash a loader. */
export const MALFORMED_ARTIFACT: ThreatRef[] = [atlas("AML.T0010.003"), owaspMl("ML06")];
