import { randomUUID } from "node:crypto";
import type { AssetRef } from "./asset.js";
import { RampartError } from "./errors.js";
import type { Severity } from "./severity.js";
import type { ThreatRef } from "./threats/index.js";

/**
 * The one thing every control emits (DESIGN.md, output contract). Fields are added, never
 * renamed: scripts and SIEM pipelines parse this shape.
 */
export interface Finding {
  id: string;
  /** The control that raised it, dotted: `ledger.verify`, `scan.pickle`, `data.labelNoise`. */
  detector: string;
  title: string;
  severity: Severity;
  /** 0..1, how sure the detector is; absent when the finding is a fact (a bad signature). */
  confidence?: number;
  asset: AssetRef;
  /** At least one entry: every finding maps to the threat it evidences. */
  threats: ThreatRef[];
  evidence: Record<string, unknown>;
  remediation?: string;
  /** ISO-8601, UTC. */
  time: string;
}

export type FindingInput = Omit<Finding, "id" | "time"> & { id?: string; time?: string };

/** Builds a finding, filling id and time, and refuses one that breaks the contract. */
export function createFinding(input: FindingInput): Finding {
  if (input.threats.length === 0) {
    throw new RampartError(
      "E_INTERNAL",
      `finding from ${input.detector} names no threat; every finding must map to ATLAS or OWASP`,
    );
  }
  if (input.confidence !== undefined && !(input.confidence >= 0 && input.confidence <= 1)) {
    throw new RampartError(
      "E_INTERNAL",
      `finding from ${input.detector} has confidence ${input.confidence}, outside 0..1`,
    );
  }
  const finding: Finding = {
    id: input.id ?? randomUUID(),
    detector: input.detector,
    title: input.title,
    severity: input.severity,
    asset: input.asset,
    threats: input.threats,
    evidence: input.evidence,
    time: input.time ?? new Date().toISOString(),
  };
  if (input.confidence !== undefined) finding.confidence = input.confidence;
  if (input.remediation !== undefined) finding.remediation = input.remediation;
  return finding;
}
