/** Severity of a finding, ordered from info to critical. */
export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

const rankOf: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export function severityRank(severity: Severity): number {
  return rankOf[severity];
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === "string" && value in rankOf;
}

/** True when `severity` is at or above `threshold`. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return rankOf[severity] >= rankOf[threshold];
}

export function compareSeverity(a: Severity, b: Severity): number {
  return rankOf[a] - rankOf[b];
}
