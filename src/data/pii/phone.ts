import { isPhoneColumn } from "./columnNames.js";
import { maskDigits, regexMatches } from "./regexMatches.js";
import type { PiiDetector, PiiMatch } from "./types.js";

/**
 * Telephone numbers. A plain run of digits is far more often an ID, an amount or a timestamp
 * than a phone number, so outside a phone-like column (`phone`, `tel`, `mobile`, `cell`, `fax`,
 * `msisdn` as a word of its name) a number counts only in one of these written forms:
 * - international (ITU-T E.164 with a leading `+`): `+` and 8–15 digits, optionally grouped by
 *   single spaces, dashes or dots, one group possibly in parentheses: `+44 20 7946 0958`;
 * - North American (NANP): area code and exchange starting 2–9, with separators:
 *   `(415) 555-0132`, `415-555-0132`, `415.555.0132`, `415 555 0132`;
 * - national with a trunk `0` (UK, most of Europe, Australia …): 9–12 digits in 2–5
 *   space- or dash-separated groups: `020 7946 0958`, `01 23 45 67 89`, `030-12345678`.
 * The SSN shape `NNN-NN-NNNN` is never a phone number, valid SSN or not.
 * In a phone-like column any value made only of digits, `+`, spaces, dashes, dots and
 * parentheses with 7–15 digits counts, whole.
 */
// Groups after the first need a separator (or follow a parenthesised group), so a long digit
// run has one way to match, not exponentially many (no catastrophic backtracking).
const INTERNATIONAL =
  /(?<![\w+])\+[1-9]\d{0,14}(?:[ .-]?\(\d{1,4}\)[ .-]?\d{1,6})?(?:[ .-]\d{1,6}){0,6}(?![\w]|[.-]\d)/g;
const NANP =
  /(?<![\w+(.-])(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}(?![\w]|[.-]\d)/g;
const TRUNK = /(?<![\w+.-])0\d{1,4}(?:[ -]\d{2,8}){1,4}(?![\w]|[.-]\d)/g;
const WHOLE_VALUE = /^\s*\+?[\d ().-]+\s*$/;
const SSN_SHAPE = /^\d{3}([ -])\d{2}\1\d{4}$/;

function digitCount(text: string): number {
  return text.replace(/\D/g, "").length;
}

function normalize(text: string): string {
  const digits = text.replace(/\D/g, "");
  return text.trimStart().startsWith("+") ? `+${digits}` : digits;
}

export const phone: PiiDetector = {
  kind: "phone",
  severity: "medium",
  find(text, column) {
    const found: PiiMatch[] = [];
    if (isPhoneColumn(column.name) && WHOLE_VALUE.test(text)) {
      const n = digitCount(text);
      if (n >= 7 && n <= 15) {
        const start = text.length - text.trimStart().length;
        const end = text.trimEnd().length;
        return [{ kind: "phone", start, end, normalized: normalize(text) }];
      }
    }
    const forms: [RegExp, number, number][] = [
      [INTERNATIONAL, 8, 15],
      [NANP, 10, 10],
      [TRUNK, 9, 12],
    ];
    for (const [pattern, min, max] of forms) {
      for (const m of regexMatches(pattern, text)) {
        const n = digitCount(m.text);
        if (n >= min && n <= max && !SSN_SHAPE.test(m.text)) {
          found.push({ kind: "phone", start: m.start, end: m.end, normalized: normalize(m.text) });
        }
      }
    }
    return found;
  },
  /** `+44 20 7946 0958` → `+** ** **** **58` */
  mask: (raw) => maskDigits(raw, 2),
};
