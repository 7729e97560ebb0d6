import type { Severity, ThreatRef } from "../../../core/index.js";
import { MALFORMED_ARTIFACT } from "../threats.js";
import type { ScanIssue } from "../types.js";

/**
 * Issue construction shared by the container scanners, and a per-rule cap: a crafted archive
 * with a million overlapping members must cost the user one screen of findings, not a million.
 */

export interface IssueSpec {
  rule: string;
  severity: Severity;
  title: string;
  reason: string;
  evidence?: Record<string, unknown>;
  offset?: number;
  threats?: ThreatRef[];
}

export function makeIssue(spec: IssueSpec): ScanIssue {
  const issue: ScanIssue = {
    rule: spec.rule,
    severity: spec.severity,
    title: spec.title,
    reason: spec.reason,
    evidence: spec.evidence ?? {},
    threats: spec.threats ?? MALFORMED_ARTIFACT,
  };
  if (spec.offset !== undefined) issue.offset = spec.offset;
  return issue;
}

export type Report = (issue: ScanIssue) => void;

/** Issues of one rule past this many are counted and summarised instead of reported. */
export const MAX_ISSUES_PER_RULE = 20;

export interface CappedReporter {
  report: Report;
  /** Reports one summary issue per rule that went over the cap. Call once, at the end. */
  flush(): void;
}

export function cappedReporter(report: Report, perRule = MAX_ISSUES_PER_RULE): CappedReporter {
  const counts = new Map<string, { count: number; first: ScanIssue }>();
  return {
    report(issue) {
      const seen = counts.get(issue.rule);
      if (seen === undefined) {
        counts.set(issue.rule, { count: 1, first: issue });
        report(issue);
        return;
      }
      seen.count += 1;
      if (seen.count <= perRule) report(issue);
    },
    flush() {
      for (const [rule, { count, first }] of counts) {
        if (count <= perRule) continue;
        report({
          rule,
          severity: first.severity,
          title: `${count - perRule} more ${rule} issues not listed`,
          reason: `The same problem occurs ${count} times; the first ${perRule} are reported individually.`,
          evidence: { suppressed: count - perRule, total: count },
          threats: first.threats,
        });
      }
    },
  };
}
