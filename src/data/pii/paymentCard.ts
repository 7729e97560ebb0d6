import { maskDigits, regexMatches } from "./regexMatches.js";
import type { PiiDetector, PiiMatch } from "./types.js";

/**
 * Payment card numbers (PANs): 13–19 digits, optionally grouped by single spaces or dashes,
 * that pass the Luhn check (ISO/IEC 7812-1 Annex B) AND start with an issuer prefix (IIN) of a
 * major scheme with a length that scheme issues. Luhn alone passes one random number in ten;
 * the prefix-and-length table cuts false positives on IDs and order numbers further.
 */
const CANDIDATE = /(?<!\d[ -]?)\d(?:[ -]?\d){12,18}(?![ -]?\d)/g;

interface Scheme {
  name: string;
  /** Inclusive prefix ranges; both ends have the same number of digits. */
  prefixes: [number, number][];
  lengths: number[];
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

// Public IIN ranges of each scheme (scheme rules as summarised on Wikipedia's "Payment card
// number" page); co-branded and regional schemes beyond these are out of scope.
const SCHEMES: Scheme[] = [
  { name: "visa", prefixes: [[4, 4]], lengths: [13, 16, 19] },
  {
    name: "mastercard",
    prefixes: [
      [51, 55],
      [2221, 2720],
    ],
    lengths: [16],
  },
  {
    name: "amex",
    prefixes: [
      [34, 34],
      [37, 37],
    ],
    lengths: [15],
  },
  {
    name: "discover",
    prefixes: [
      [6011, 6011],
      [644, 649],
      [65, 65],
    ],
    lengths: range(16, 19),
  },
  {
    name: "diners",
    prefixes: [
      [300, 305],
      [36, 36],
      [38, 39],
    ],
    lengths: range(14, 19),
  },
  { name: "jcb", prefixes: [[3528, 3589]], lengths: range(16, 19) },
  { name: "unionpay", prefixes: [[62, 62]], lengths: range(16, 19) },
  {
    name: "maestro",
    prefixes: [
      [5018, 5018],
      [5020, 5020],
      [5038, 5038],
      [5893, 5893],
      [6304, 6304],
      [6759, 6759],
      [6761, 6763],
    ],
    lengths: range(13, 19),
  },
  { name: "mir", prefixes: [[2200, 2204]], lengths: range(16, 19) },
];

/** The scheme a digit string belongs to, or undefined when no scheme issues it. */
export function cardScheme(digits: string): string | undefined {
  for (const scheme of SCHEMES) {
    if (!scheme.lengths.includes(digits.length)) continue;
    for (const [lo, hi] of scheme.prefixes) {
      const width = String(lo).length;
      const prefix = Number(digits.slice(0, width));
      if (prefix >= lo && prefix <= hi) return scheme.name;
    }
  }
  return undefined;
}

/** The Luhn (mod 10) check over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export function isCardNumber(digits: string): boolean {
  return (
    digits.length >= 13 &&
    digits.length <= 19 &&
    luhnValid(digits) &&
    cardScheme(digits) !== undefined
  );
}

export const paymentCard: PiiDetector = {
  kind: "card",
  severity: "high",
  find(text) {
    const found: PiiMatch[] = [];
    for (const m of regexMatches(CANDIDATE, text)) {
      const digits = m.text.replace(/[ -]/g, "");
      if (isCardNumber(digits)) {
        found.push({ kind: "card", start: m.start, end: m.end, normalized: digits });
      }
    }
    return found;
  },
  /** `4111 1111 1111 4242` → `**** **** **** 4242` (PCI DSS allows the last four). */
  mask: (raw) => maskDigits(raw, 4),
};
