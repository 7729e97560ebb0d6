import { regexMatches } from "./regexMatches.js";
import type { PiiDetector, PiiMatch } from "./types.js";

/**
 * Email addresses: the common dot-atom subset of RFC 5322 (letters, digits, `._%+-` in the
 * local part; a dotted domain ending in a 2–24 letter top-level label). Quoted local parts and
 * IP-literal domains are left out: they do not occur in real customer data.
 */
const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;

export const email: PiiDetector = {
  kind: "email",
  severity: "medium",
  find(text) {
    if (!text.includes("@")) return [];
    const found: PiiMatch[] = [];
    for (const m of regexMatches(EMAIL, text)) {
      found.push({ kind: "email", start: m.start, end: m.end, normalized: m.text.toLowerCase() });
    }
    return found;
  },
  /** `jane.doe@example.com` → `j***@e***.com` */
  mask(raw) {
    const at = raw.lastIndexOf("@");
    const domain = raw.slice(at + 1);
    const dot = domain.lastIndexOf(".");
    return `${raw.slice(0, 1)}***@${domain.slice(0, 1)}***${domain.slice(dot)}`;
  },
};
