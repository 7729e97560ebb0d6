/** The PII scan: find personal data in a table, report it masked, redact it with keyed tokens. */
export { nameWords } from "./columnNames.js";
export { findPii, PII_DETECTORS } from "./detectors.js";
export { kindSeverity, piiFindings, STRAY_FRACTION } from "./findings.js";
export { loadOrCreatePiiKey, PII_KEY_DEFAULT_PATH, readPiiKey } from "./hmacKey.js";
export { ibanValid } from "./iban.js";
export { cardScheme, isCardNumber, luhnValid } from "./paymentCard.js";
export {
  type RedactionResult,
  redactionToken,
  redactTable,
  redactText,
} from "./redact.js";
export {
  type PiiColumnReport,
  type PiiKindCount,
  type PiiScanOptions,
  type PiiScanReport,
  scanTable,
} from "./scan.js";
export { ssnValid } from "./ssn.js";
export { type ColumnContext, PII_KINDS, type PiiKind, type PiiMatch } from "./types.js";
