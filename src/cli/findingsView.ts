import { compareSeverity, type Finding, SEVERITIES } from "../core/index.js";

/** Most severe first, then by title: the order every command prints and documents findings in. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => compareSeverity(b.severity, a.severity) || a.title.localeCompare(b.title),
  );
}

const MOST_SEVERE_FIRST = SEVERITIES.slice().reverse();

/** "3 finding(s) (1 high, 2 low)". */
export function findingsSummary(findings: readonly Finding[]): string {
  const counts = MOST_SEVERE_FIRST.map(
    (s) => [s, findings.filter((f) => f.severity === s).length] as const,
  )
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  return `${findings.length} finding(s)${counts.length > 0 ? ` (${counts.join(", ")})` : ""}`;
}
