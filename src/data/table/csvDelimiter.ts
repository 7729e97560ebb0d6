import { closeSync, openSync, readSync } from "node:fs";

const CANDIDATES = [",", "\t", ";", "|"] as const;
const HEADER_BYTES = 64 * 1024;

/**
 * The delimiter of a CSV file, taken from its header line: the candidate that occurs most often
 * outside quotes (comma when none does, a one-column file). DuckDB's own sniffer is not trusted
 * with this: on a file with ragged rows it picks whatever dialect makes the most rows fit — it
 * will skip leading lines or read "a,b" as one column named "a,b" — and a security tool must
 * refuse such a file rather than read it differently from everyone else. With the delimiter
 * fixed, DuckDB rejects rows whose field count does not match the header.
 */
export function guessDelimiter(path: string, tabSeparated: boolean): string {
  if (tabSeparated) return "\t";
  const header = readHeaderLine(path);
  let best = ",";
  let bestCount = 0;
  for (const candidate of CANDIDATES) {
    const count = countOutsideQuotes(header, candidate);
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

function readHeaderLine(path: string): string {
  const buffer = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(path, "r");
  try {
    const read = readSync(fd, buffer, 0, HEADER_BYTES, 0);
    const text = buffer
      .subarray(0, read)
      .toString("utf8")
      .replace(/^\uFEFF/, "");
    const end = text.search(/\r?\n/);
    return end < 0 ? text : text.slice(0, end);
  } finally {
    closeSync(fd);
  }
}

function countOutsideQuotes(line: string, delimiter: string): number {
  let count = 0;
  let quoted = false;
  for (const char of line) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === delimiter) count++;
  }
  return count;
}
