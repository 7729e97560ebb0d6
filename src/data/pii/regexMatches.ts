/** Every match of a global regular expression, with offsets; the regex's state is reset. */
export function* regexMatches(
  pattern: RegExp,
  text: string,
): Generator<{ text: string; start: number; end: number }> {
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    yield { text: m[0], start: m.index, end: m.index + m[0].length };
    if (m[0].length === 0) pattern.lastIndex++;
  }
}

/** Replaces every digit but the last `keep` with `*`, keeping separators in place. */
export function maskDigits(raw: string, keep: number): string {
  let seen = 0;
  const total = raw.replace(/\D/g, "").length;
  let out = "";
  for (const ch of raw) {
    if (ch >= "0" && ch <= "9") {
      seen++;
      out += seen > total - keep ? ch : "*";
    } else out += ch;
  }
  return out;
}
