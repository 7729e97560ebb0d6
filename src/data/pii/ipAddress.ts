import { isIPv4, isIPv6 } from "node:net";
import { regexMatches } from "./regexMatches.js";
import type { PiiDetector, PiiMatch } from "./types.js";

/**
 * IP addresses, which identify a subscriber (GDPR recital 30). Candidates found by shape are
 * confirmed by node:net's parser, so `999.1.1.1`, times like `12:30:45` and `std::vector`
 * are not addresses.
 */
const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)/g;
const IPV6 =
  /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4})(?![\w:.])/g;

export const ipv4: PiiDetector = {
  kind: "ipv4",
  severity: "low",
  find(text) {
    const found: PiiMatch[] = [];
    for (const m of regexMatches(IPV4, text)) {
      if (isIPv4(m.text)) {
        found.push({ kind: "ipv4", start: m.start, end: m.end, normalized: m.text });
      }
    }
    return found;
  },
  /** `192.168.10.24` → `192.*.*.*` */
  mask: (raw) => `${raw.split(".")[0]}.*.*.*`,
};

export const ipv6: PiiDetector = {
  kind: "ipv6",
  severity: "low",
  find(text) {
    if (!text.includes(":")) return [];
    const found: PiiMatch[] = [];
    for (const m of regexMatches(IPV6, text)) {
      // `::` alone is the unspecified address, and in text far more often punctuation.
      if (/[0-9A-Fa-f]/.test(m.text) && isIPv6(m.text)) {
        found.push({ kind: "ipv6", start: m.start, end: m.end, normalized: m.text.toLowerCase() });
      }
    }
    return found;
  },
  /** `2001:db8::8a2e:370:7334` → `2001:****` */
  mask: (raw) => `${raw.split(":")[0] || ""}:****`,
};
