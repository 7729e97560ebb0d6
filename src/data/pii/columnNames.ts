/**
 * Words of a column name, so `customerPhone`, `phone_no` and `Mobile Number` all say "phone"
 * while `hotel` or `cellar` say nothing (matching whole words, not substrings).
 */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

const PHONE_WORDS = new Set([
  "phone",
  "phones",
  "telephone",
  "tel",
  "mobile",
  "cell",
  "cellphone",
  "fax",
  "msisdn",
]);

export function isPhoneColumn(name: string): boolean {
  return nameWords(name).some((w) => PHONE_WORDS.has(w));
}

export function isSsnColumn(name: string): boolean {
  const words = nameWords(name);
  if (words.includes("ssn")) return true;
  const social = words.indexOf("social");
  return social >= 0 && words[social + 1] === "security";
}
