import type { ScanPolicy } from "../policy/index.js";
import { UNSAFE_ARTIFACT } from "../threats.js";
import type { ScanIssue } from "../types.js";
import { type AnalyzeOptions, analyzePickle } from "./analyze.js";
import { startsLikePickle } from "./detect.js";

/**
 * Several pickles stacked in one stream: `pickle.load(f)` called repeatedly reads them one
 * after the other (torch's legacy format is five of them; joblib and ad-hoc dumps stack
 * more). After each STOP the scan goes on while the remaining bytes start like a pickle;
 * other trailing bytes are left alone, and a tail that starts like a pickle but breaks is
 * reported as a broken stream. Defaults: at most 100,000 pickles per stream.
 */

export interface StreamOptions extends AnalyzeOptions {
  /** Where the first pickle starts (default 0). */
  start?: number;
  maxPickles?: number;
}

export interface StreamAnalysis {
  issues: ScanIssue[];
  pickles: { start: number; end: number; complete: boolean }[];
  /** Bytes after the last pickle that do not look like one. */
  trailing?: { offset: number; length: number };
}

const DEFAULT_MAX_PICKLES = 100_000;

export function analyzePickleStream(
  bytes: Uint8Array,
  policy: ScanPolicy,
  options: StreamOptions = {},
): StreamAnalysis {
  const end = Math.min(options.end ?? bytes.length, bytes.length);
  const maxPickles = options.maxPickles ?? DEFAULT_MAX_PICKLES;
  const issues: ScanIssue[] = [];
  const pickles: StreamAnalysis["pickles"] = [];
  let pos = options.start ?? 0;
  for (;;) {
    const result = analyzePickle(bytes, pos, policy, { ...options, end });
    for (const issue of result.issues) issues.push(issue);
    pickles.push({ start: pos, end: result.end, complete: result.complete });
    if (!result.complete || result.end >= end) break;
    pos = result.end;
    if (!startsLikePickle(bytes, pos, end)) {
      return { issues, pickles, trailing: { offset: pos, length: end - pos } };
    }
    if (pickles.length >= maxPickles) {
      issues.push({
        rule: "pickle.resource-limit",
        severity: "medium",
        title: `more than ${maxPickles} pickles stacked in one stream; the rest from offset ${pos} was not checked`,
        reason:
          "Rampart bounds how many stacked pickles it simulates per stream. The bytes after the limit were not checked, so treat the file as unverified and ask the publisher for a safetensors copy.",
        offset: pos,
        evidence: { offset: pos, pickles: pickles.length },
        threats: UNSAFE_ARTIFACT,
      });
      break;
    }
  }
  return { issues, pickles };
}
