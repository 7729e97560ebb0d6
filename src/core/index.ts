export {
  ASSET_KINDS,
  type AssetKind,
  type AssetRef,
  formatAsset,
  isAssetKind,
  parseAsset,
} from "./asset.js";
export { writeFileAtomically } from "./atomicWrite.js";
export { canonicalBytes, canonicalize, canonicalString } from "./canonicalJson.js";
export * from "./config/index.js";
export {
  type DsseEnvelope,
  type DsseSignature,
  type DsseSigner,
  type DsseVerification,
  type DsseVerifier,
  pae,
  parseEnvelope,
  signDsse,
  verifyDsse,
} from "./dsse.js";
export * from "./ecdsaKeys.js";
export { type ErrorCode, ExitCode, isRampartError, RampartError } from "./errors.js";
export { createFinding, type Finding, type FindingInput } from "./finding.js";
export { isSha256Hex, SHA256_HEX_LENGTH, sha256Hex, ZERO_HASH } from "./hash.js";
export * from "./keys.js";
export {
  atLeast,
  compareSeverity,
  isSeverity,
  SEVERITIES,
  type Severity,
  severityRank,
} from "./severity.js";
export * from "./threats/index.js";
