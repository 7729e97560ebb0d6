import { isAbsolute, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { type Finding, type Severity, severityRank, sha256Hex } from "../../core/index.js";
import type { ScanReport } from "./report.js";

/**
 * `rampart scan --format sarif`: SARIF 2.1.0 shaped for GitHub code scanning. The types below
 * cover only what Rampart writes; `@types/sarif` would be the full model.
 */

/** The OASIS URI of the SARIF 2.1.0 schema (errata 01), the standard's permanent address. */
export const SARIF_SCHEMA_URI =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/** The partialFingerprints key; bump the version when the fingerprint's inputs change. */
export const FINGERPRINT_KEY = "rampartFingerprint/v1";

export type SarifLevel = "none" | "note" | "warning" | "error";

export interface SarifMessage {
  text: string;
}

export interface SarifArtifactLocation {
  uri: string;
  index?: number;
}

export interface SarifRegion {
  startLine: number;
  byteOffset?: number;
}

export interface SarifLocation {
  physicalLocation: {
    artifactLocation: SarifArtifactLocation;
    region?: SarifRegion;
  };
}

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  help: SarifMessage;
  defaultConfiguration: { level: SarifLevel };
  properties: {
    tags: string[];
    "security-severity": string;
    precision: "high" | "medium";
  };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: SarifLevel;
  message: SarifMessage;
  locations: SarifLocation[];
  partialFingerprints: Record<string, string>;
  properties: {
    severity: Severity;
    threats: string[];
    /** Where inside the file: `models/m.zip!/archive/data.pkl`, or the file itself. */
    location: string;
    findingId: string;
    /** Byte offset in the innermost stream, when known. */
    offset?: number;
    confidence?: number;
  };
}

export interface SarifArtifact {
  location: SarifArtifactLocation;
  length: number;
  roles: ["analysisTarget"];
  hashes?: { "sha-256": string };
  properties: { format: string };
}

export interface SarifNotification {
  level: SarifLevel;
  message: SarifMessage;
  locations?: SarifLocation[];
}

export interface SarifInvocation {
  executionSuccessful: boolean;
  toolExecutionNotifications?: SarifNotification[];
}

export interface SarifRun {
  tool: {
    driver: {
      name: string;
      version: string;
      semanticVersion: string;
      informationUri?: string;
      rules: SarifRule[];
    };
  };
  artifacts: SarifArtifact[];
  invocations: SarifInvocation[];
  results: SarifResult[];
}

export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: SarifRun[];
}

export interface SarifTool {
  name: string;
  version: string;
  /** Where the tool is documented; omitted until the project has a public home. */
  informationUri?: string;
}

export interface SarifOptions {
  /**
   * Artifact URIs are relative to this folder (the repository root for GitHub), default the
   * working directory. Files outside it get absolute `file:` URIs.
   */
  baseDir?: string;
}

const LEVEL: Record<Severity, SarifLevel> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

// GitHub reads these as CVSS-like scores: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium,
// 0.1-3.9 low. Each sits inside its band so rounding on GitHub's side cannot move it.
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "0.0",
};

// GitHub rejects a whole upload when one rule carries more than 20 tags.
const MAX_TAGS = 20;

const BASE_TAGS = ["security", "ml-supply-chain"];

/**
 * Evidence keys that tell two findings of one rule at one place apart, most telling first.
 * Only the first present goes into the fingerprint, so incidental facts (counts, opcodes,
 * sizes) that a scanner may add or reword later do not turn one alert into a new one.
 */
const DISTINGUISHING_KEYS = ["global", "member", "target", "name", "key"];

/** What SARIF needs from a finding, read defensively: any detector's finding must convert. */
interface Located {
  finding: Finding;
  rule: string;
  /** Empty when the finding says nothing beyond its title. */
  why: string;
  /** Top-level file, relative to baseDir with forward slashes, or absolute when outside. */
  path: string;
  uri: string;
  /** The part inside the file (`archive/data.pkl`), empty for the file itself. */
  inner: string;
  offset?: number;
}

/** Converts a scan report to one SARIF 2.1.0 run. Pure apart from resolving relative paths. */
export function toSarif(report: ScanReport, tool: SarifTool, options: SarifOptions = {}): SarifLog {
  const baseDir = resolve(options.baseDir ?? process.cwd());
  const located = report.findings.map((finding) => locate(finding, baseDir));

  const artifacts: SarifArtifact[] = [];
  const artifactIndex = new Map<string, number>();
  for (const file of report.files) {
    const { uri } = fileLocation(file.path, baseDir);
    // The schema requires unique artifacts; the same path given twice is one artifact.
    if (artifactIndex.has(uri)) continue;
    artifactIndex.set(uri, artifacts.length);
    artifacts.push({
      location: { uri },
      length: file.size,
      roles: ["analysisTarget"],
      ...(file.sha256 === "" ? {} : { hashes: { "sha-256": file.sha256 } }),
      properties: { format: file.format },
    });
  }

  const rules = buildRules(located);
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));

  const results = located.map((item): SarifResult => {
    const { finding } = item;
    const index = artifactIndex.get(item.uri);
    const region: SarifRegion = { startLine: 1 };
    // SARIF's byteOffset counts from the start of the artifact at `uri`; an offset inside a
    // container member would point at the wrong bytes of the container, so it stays a property.
    if (item.offset !== undefined && item.inner === "") region.byteOffset = item.offset;
    const location = item.inner === "" ? item.path : `${item.path}!/${item.inner}`;
    return {
      ruleId: item.rule,
      ruleIndex: ruleIndex.get(item.rule)!,
      level: LEVEL[finding.severity],
      message: { text: messageText(item, location) },
      locations: [
        {
          physicalLocation: {
            artifactLocation: index === undefined ? { uri: item.uri } : { uri: item.uri, index },
            // GitHub drops results without a line; model files are binary, so line 1.
            region,
          },
        },
      ],
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(item) },
      properties: {
        severity: finding.severity,
        threats: unique(finding.threats.map((threat) => threat.id)),
        location,
        findingId: finding.id,
        ...(item.offset === undefined ? {} : { offset: item.offset }),
        ...(finding.confidence === undefined ? {} : { confidence: finding.confidence }),
      },
    };
  });

  const notifications: SarifNotification[] = [
    ...report.errors.map((error) =>
      notification("error", `${error.path}: ${error.message}`, error.path, report, baseDir),
    ),
    ...report.skipped.map((skip) =>
      notification("note", `skipped ${skip.path}: ${skip.reason}`, skip.path, report, baseDir),
    ),
  ];
  const invocation: SarifInvocation = { executionSuccessful: report.errors.length === 0 };
  if (notifications.length > 0) invocation.toolExecutionNotifications = notifications;

  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            version: tool.version,
            semanticVersion: tool.version,
            ...(tool.informationUri === undefined ? {} : { informationUri: tool.informationUri }),
            rules,
          },
        },
        artifacts,
        invocations: [invocation],
        results,
      },
    ],
  };
}

function locate(finding: Finding, baseDir: string): Located {
  const evidence = finding.evidence;
  const rule = stringField(evidence, "rule") ?? finding.detector;
  const file = stringField(evidence, "file") ?? finding.asset.id;
  const where = stringField(evidence, "location") ?? file;
  const why = stringField(evidence, "why") ?? finding.remediation ?? "";
  const offset = evidence.offset;
  const { path, uri } = fileLocation(file, baseDir);
  const inner = where.startsWith(`${file}!/`) ? where.slice(file.length + 2) : "";
  const item: Located = { finding, rule, why, path, uri, inner };
  if (typeof offset === "number" && Number.isSafeInteger(offset) && offset >= 0) {
    item.offset = offset;
  }
  return item;
}

/**
 * Report paths are as scanPaths wrote them: relative to the working directory when under it,
 * absolute otherwise. GitHub wants them relative to the repository root, URI-escaped.
 */
function fileLocation(file: string, baseDir: string): { path: string; uri: string } {
  const absolute = resolve(file);
  const rel = relative(baseDir, absolute);
  const outside = rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  if (outside) return { path: absolute.split(sep).join("/"), uri: pathToFileURL(absolute).href };
  const path = rel.split(sep).join("/");
  // Escaping per segment keeps "/" as the separator while a ":" in a name cannot read as a
  // URI scheme and spaces or non-ASCII names stay valid URI references.
  return { path, uri: path.split("/").map(encodeURIComponent).join("/") };
}

function buildRules(located: readonly Located[]): SarifRule[] {
  const byRule = new Map<string, Located[]>();
  for (const item of located) {
    const group = byRule.get(item.rule);
    if (group === undefined) byRule.set(item.rule, [item]);
    else group.push(item);
  }
  // Sorted so a rule's index does not depend on the order findings were reported in.
  return [...byRule.keys()].sort().map((id): SarifRule => {
    const group = byRule.get(id)!;
    // The most severe finding speaks for the rule; ties go to the first "why" in order so
    // the descriptor is the same on every run.
    const lead = group.reduce((best, item) => {
      const order = severityRank(item.finding.severity) - severityRank(best.finding.severity);
      return order > 0 || (order === 0 && item.why < best.why) ? item : best;
    });
    const severity = lead.finding.severity;
    const threats = new Map<string, string>();
    for (const item of group) {
      for (const threat of item.finding.threats) threats.set(threat.id, threat.name);
    }
    const threatIds = [...threats.keys()].sort();
    const guessed = group.some(
      (item) => item.finding.confidence !== undefined && item.finding.confidence < 1,
    );
    const threatLine = threatIds.map((tid) => `${tid} (${threats.get(tid)})`).join(", ");
    const explanation = lead.why === "" ? lead.finding.title : lead.why;
    return {
      id,
      name: pascalCase(id),
      shortDescription: { text: describe(id) },
      fullDescription: { text: explanation },
      help: { text: threatLine === "" ? explanation : `${explanation}\n\nThreats: ${threatLine}.` },
      defaultConfiguration: { level: LEVEL[severity] },
      properties: {
        tags: unique([...BASE_TAGS, ...threatIds]).slice(0, MAX_TAGS),
        "security-severity": SECURITY_SEVERITY[severity],
        precision: guessed ? "medium" : "high",
      },
    };
  });
}

function messageText(item: Located, location: string): string {
  const text = item.why === "" ? item.finding.title : `${item.finding.title} — ${item.why}`;
  // The scanner already names the member in the title; say it only where it does not.
  if (item.inner === "" || item.finding.title.includes(item.inner)) return text;
  return `${text} (in ${location})`;
}

/**
 * Stable across runs and machines for the same issue: built only from the rule, the
 * baseDir-relative path, the place inside the file and one distinguishing fact, never from
 * the finding's time, the absolute checkout path or report order.
 */
function fingerprint(item: Located): string {
  const key = DISTINGUISHING_KEYS.find((name) => isScalar(item.finding.evidence[name]));
  const fact = key === undefined ? null : item.finding.evidence[key];
  const parts = [item.rule, item.path, item.inner, item.offset ?? null, key ?? null, fact];
  return sha256Hex(JSON.stringify(parts));
}

function notification(
  level: SarifLevel,
  text: string,
  path: string,
  report: ScanReport,
  baseDir: string,
): SarifNotification {
  const result: SarifNotification = { level, message: { text } };
  if (path === "") return result;
  // Error paths can name a member (`m.zip!/x.pkl`); the artifact is the scanned file it is in.
  const container = report.files.find((file) => path.startsWith(`${file.path}!/`));
  const { uri } = fileLocation(container?.path ?? path, baseDir);
  result.locations = [{ physicalLocation: { artifactLocation: { uri } } }];
  return result;
}

/** `pickle.dangerous-global` → `PickleDangerousGlobal`. */
function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== "")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

/** `pickle.dangerous-global` → `Pickle: dangerous global`. */
function describe(id: string): string {
  const dot = id.indexOf(".");
  const words = (text: string) =>
    text
      .split(/[-_.]+/)
      .filter((word) => word !== "")
      .join(" ");
  if (dot <= 0) return capitalize(words(id));
  return `${capitalize(words(id.slice(0, dot)))}: ${words(id.slice(dot + 1))}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
