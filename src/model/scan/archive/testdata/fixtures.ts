import { readFileSync } from "node:fs";
import { severityRank } from "../../../../core/index.js";
import type { ScanIssue } from "../../types.js";

/** Test-only access to the real-library fixtures make_fixtures.py writes. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./${name}`, import.meta.url)));
}

export const rules = (issues: readonly ScanIssue[]): string[] => issues.map((i) => i.rule).sort();

/** Issues above `low`: a benign real file must have none. */
export const serious = (issues: readonly ScanIssue[]): ScanIssue[] =>
  issues.filter((i) => severityRank(i.severity) > severityRank("low"));

export function head(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(0, 4096);
}
