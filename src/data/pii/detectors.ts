import { email } from "./email.js";
import { iban } from "./iban.js";
import { ipv4, ipv6 } from "./ipAddress.js";
import { paymentCard } from "./paymentCard.js";
import { phone } from "./phone.js";
import { ssn } from "./ssn.js";
import type { ColumnContext, PiiDetector, PiiKind, PiiMatch } from "./types.js";

/**
 * Every detector, most specific first: when two claim overlapping text the earlier wins (a
 * Luhn-valid card number is not also a phone number; the digits of an IBAN are not a card).
 */
export const PII_DETECTORS: readonly PiiDetector[] = [
  email,
  iban,
  paymentCard,
  ssn,
  ipv6,
  ipv4,
  phone,
];

const byKind = new Map<PiiKind, PiiDetector>(PII_DETECTORS.map((d) => [d.kind, d]));

export function detectorFor(kind: PiiKind): PiiDetector {
  return byKind.get(kind)!;
}

/** Cheap test that lets most values skip every regex: all kinds need a digit, `@` or `:`. */
function mayHoldPii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 48 && c <= 58) || c === 64) return true;
  }
  return false;
}

/** The personal data in one value, non-overlapping, in text order. */
export function findPii(
  text: string,
  column: ColumnContext,
  kinds: readonly PiiDetector[] = PII_DETECTORS,
): PiiMatch[] {
  if (!mayHoldPii(text)) return [];
  const accepted: PiiMatch[] = [];
  for (const detector of kinds) {
    for (const match of detector.find(text, column)) {
      if (accepted.every((a) => match.end <= a.start || match.start >= a.end)) {
        accepted.push(match);
      }
    }
  }
  return accepted.sort((a, b) => a.start - b.start);
}
