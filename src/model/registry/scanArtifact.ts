import { relative, sep } from "node:path";
import {
  compareSeverity,
  type Finding,
  type RampartConfig,
  type Severity,
  sha256Hex,
} from "../../core/index.js";
import { runScan } from "../scan/index.js";
import { modelAsset } from "./names.js";

export interface ArtifactScan {
  findings: Finding[];
  maxSeverity: Severity | null;
  /** Files the scanner could not read: the artifact was not fully scanned. */
  errors: { path: string; message: string }[];
  files: number;
  scannedAt: string;
}

/**
 * Scans a restored copy of a stored artifact with `rampart scan`'s scanner and policy, and
 * re-labels the findings as being about the model version: paths lose the temporary folder
 * (so ids are stable from one check to the next), and the asset is `model:name@version`.
 */
export async function scanArtifact(
  restoredPath: string,
  restoreDir: string,
  config: RampartConfig,
  name: string,
  version: string,
): Promise<ArtifactScan> {
  const scannedAt = new Date().toISOString();
  const report = await runScan([restoredPath], config);
  const strip = pathStripper(restoreDir);
  const findings = report.findings.map((f) => relabel(f, strip, name, version));
  const maxSeverity = findings.reduce<Severity | null>(
    (max, f) => (max === null || compareSeverity(f.severity, max) > 0 ? f.severity : max),
    null,
  );
  return {
    findings,
    maxSeverity,
    errors: report.errors.map((e) => ({ path: strip(e.path), message: strip(e.message) })),
    files: report.files.length,
    scannedAt,
  };
}

/** The same findings about another version of the name (a concurrent registration took this one). */
export function relabelFindings(findings: Finding[], name: string, version: string): Finding[] {
  return findings.map((f) => relabel(f, (text) => text, name, version));
}

function relabel(
  finding: Finding,
  strip: (text: string) => string,
  name: string,
  version: string,
): Finding {
  const evidence: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(finding.evidence)) {
    evidence[key] = typeof value === "string" ? strip(value) : value;
  }
  if (finding.asset.kind === "file" && finding.asset.version !== undefined) {
    evidence.file_digest = finding.asset.version;
  }
  const title = strip(finding.title);
  const key = [
    `${name}@${version}`,
    String(evidence.rule ?? finding.detector),
    String(evidence.location ?? ""),
    String(evidence.offset ?? ""),
    title,
  ].join("\n");
  return {
    ...finding,
    id: `model.scan:${sha256Hex(key).slice(0, 32)}`,
    title,
    asset: modelAsset(name, version),
    evidence,
  };
}

/** Removes the temporary folder from paths, whether the scanner printed it absolute or relative. */
function pathStripper(restoreDir: string): (text: string) => string {
  const posix = (p: string) => p.split(sep).join("/");
  const prefixes = [`${posix(restoreDir)}/`];
  const rel = posix(relative(process.cwd(), restoreDir));
  if (rel !== "" && !rel.startsWith("..")) prefixes.push(`${rel}/`);
  return (text) => prefixes.reduce((t, prefix) => t.replaceAll(prefix, ""), text);
}
