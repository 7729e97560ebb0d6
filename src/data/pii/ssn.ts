import { isSsnColumn } from "./columnNames.js";
import { maskDigits, regexMatches } from "./regexMatches.js";
import type { PiiDetector, PiiMatch } from "./types.js";

/**
 * US Social Security numbers, `AAA-GG-SSSS` (dashes or spaces), valid under the SSA's
 * assignment rules: area not 000, 666 or 900–999 (the 9xx range is ITINs and never assigned),
 * group not 00, serial not 0000. Nine bare digits count only in a column named like `ssn` /
 * `social_security…`: elsewhere they are far more often IDs or amounts.
 */
const FORMATTED = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g;
const BARE = /(?<!\d)\d{9}(?!\d)/g;

export function ssnValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const area = Number(digits.slice(0, 3));
  const group = digits.slice(3, 5);
  const serial = digits.slice(5);
  return area !== 0 && area !== 666 && area < 900 && group !== "00" && serial !== "0000";
}

export const ssn: PiiDetector = {
  kind: "ssn",
  severity: "high",
  find(text, column) {
    const found: PiiMatch[] = [];
    const patterns = isSsnColumn(column.name) ? [FORMATTED, BARE] : [FORMATTED];
    for (const pattern of patterns) {
      for (const m of regexMatches(pattern, text)) {
        const digits = m.text.replace(/\D/g, "");
        if (ssnValid(digits)) {
          found.push({ kind: "ssn", start: m.start, end: m.end, normalized: digits });
        }
      }
    }
    return found;
  },
  /** `123-45-6789` → `***-**-6789` */
  mask: (raw) => maskDigits(raw, 4),
};
