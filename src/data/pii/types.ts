import type { Severity } from "../../core/index.js";

/** The kinds of personal data the scan recognises; the `<kind>` in a `pii:<kind>:<hash>` token. */
export const PII_KINDS = ["email", "phone", "card", "iban", "ssn", "ipv4", "ipv6"] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** One piece of personal data found inside a value. */
export interface PiiMatch {
  kind: PiiKind;
  /** Offsets into the scanned text, end exclusive. */
  start: number;
  end: number;
  /**
   * The canonical form the redaction token is computed over (card digits without spaces, an
   * IBAN in upper case without spaces, an email in lower case), so that the same value written
   * two ways gets the same token and joins on the redacted column still work.
   */
  normalized: string;
}

/** What a detector may know about where a value comes from. */
export interface ColumnContext {
  /** The column's name: `phone`, `ssn`, … make bare digit strings count as phone numbers/SSNs. */
  name: string;
}

/** One kind of personal data: how to find it, how bad it is, how to show it without leaking it. */
export interface PiiDetector {
  kind: PiiKind;
  /** Severity of a column holding this kind in a real share of its values. */
  severity: Severity;
  find(text: string, column: ColumnContext): PiiMatch[];
  /** A version of the matched text safe to print: enough to recognise the kind, never the value. */
  mask(raw: string): string;
}
