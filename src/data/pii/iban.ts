import type { PiiDetector, PiiMatch } from "./types.js";

/**
 * International Bank Account Numbers (ISO 13616): a country code, two check digits and a
 * country-specific BBAN, valid only when the length matches the country's entry in the SWIFT
 * IBAN Registry and the whole number is 1 mod 97 (ISO 7064 MOD 97-10). Both the electronic
 * form (`DE89370400440532013000`) and the print form in groups of four are recognised.
 */
// biome-ignore format: a registry table reads best packed
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29,
  BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29,
  ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
  HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28,
  LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20,
  MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25,
  QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27,
  SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/** Where an IBAN may start: a country code and check digits not glued to a previous word. */
const START = /(?<![A-Za-z0-9])([A-Z]{2})(\d{2})/g;

/** True when `iban` (upper case, no spaces) has its country's length and passes MOD 97-10. */
export function ibanValid(iban: string): boolean {
  const length = IBAN_LENGTHS[iban.slice(0, 2)];
  if (length === undefined || iban.length !== length) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    if (code >= 48 && code <= 57) remainder = (remainder * 10 + (code - 48)) % 97;
    else if (code >= 65 && code <= 90) remainder = (remainder * 100 + (code - 55)) % 97;
    else return false;
  }
  return remainder === 1;
}

function isAlnum(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9]/.test(ch);
}

export const iban: PiiDetector = {
  kind: "iban",
  severity: "high",
  find(text) {
    const found: PiiMatch[] = [];
    START.lastIndex = 0;
    for (let m = START.exec(text); m !== null; m = START.exec(text)) {
      const length = IBAN_LENGTHS[m[1] ?? ""];
      if (length === undefined) continue;
      // Take exactly the country's number of characters, allowing single spaces between them,
      // so trailing words ("… 32 EUR") are never swallowed.
      let compact = "";
      let i = m.index;
      while (i < text.length && compact.length < length) {
        const ch = text[i]!;
        if (isAlnum(ch)) compact += ch.toUpperCase();
        else if (!(ch === " " && isAlnum(text[i + 1]) && compact.length > 0)) break;
        i++;
      }
      if (compact.length !== length || isAlnum(text[i])) continue;
      if (!ibanValid(compact)) continue;
      found.push({ kind: "iban", start: m.index, end: i, normalized: compact });
      START.lastIndex = i;
    }
    return found;
  },
  /** `GB82 WEST 1234 5698 7654 32` → `GB** **** **** **** **54 32` (country and last four). */
  mask(raw) {
    const total = raw.replace(/[^A-Za-z0-9]/g, "").length;
    let seen = 0;
    let out = "";
    for (const ch of raw) {
      if (!isAlnum(ch)) {
        out += ch;
        continue;
      }
      seen++;
      out += seen <= 2 || seen > total - 4 ? ch : "*";
    }
    return out;
  },
};
