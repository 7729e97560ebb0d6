import { readFileSync } from "node:fs";
import { type RampartConfig, RampartError, type Severity } from "../../core/index.js";
import type { TrustAnchors } from "./signature.js";

/** `models.promotion` of rampart.yaml, with the trusted keys read. */
export interface PromotionPolicy {
  requireSignature: boolean;
  trust: TrustAnchors;
  /** A scan finding above this blocks. */
  maxScanSeverity: Severity;
  requireVettedDatasets: boolean;
}

/**
 * Reads the policy. A trusted key that cannot be read is a configuration error, not a key
 * silently left out: the user believes it is trusted.
 */
export function promotionPolicy(
  config: RampartConfig,
  resolvePath: (path: string) => string,
): PromotionPolicy {
  const promotion = config.models.promotion;
  const keys = promotion.trusted_keys.map((configured) =>
    readPem(
      resolvePath(configured),
      "trusted_keys",
      "public key",
      "export the signer's public key as PEM (SPKI)",
    ),
  );
  const roots = promotion.trusted_certificate_roots.map((configured) =>
    readPem(
      resolvePath(configured),
      "trusted_certificate_roots",
      "CA certificate",
      "give the root (or intermediate) CA certificate of your signing PKI, PEM",
    ),
  );
  return {
    requireSignature: promotion.require_signature,
    trust: { keys, roots, identities: promotion.trusted_identities },
    maxScanSeverity: promotion.max_scan_severity,
    requireVettedDatasets: promotion.require_vetted_datasets,
  };
}

function readPem(
  path: string,
  key: string,
  what: string,
  hint: string,
): { path: string; pem: string } {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (cause) {
    throw new RampartError("E_CONFIG", `models.promotion.${key}: cannot read the ${what} ${path}`, {
      hint: "fix the path (relative to rampart.yaml) or remove the entry",
      cause,
    });
  }
  if (!pem.includes("-----BEGIN")) {
    throw new RampartError("E_CONFIG", `models.promotion.${key}: ${path} is not a PEM ${what}`, {
      hint,
    });
  }
  return { path, pem };
}
