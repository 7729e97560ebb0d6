import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import {
  atlas,
  createFinding,
  type Finding,
  owaspMl,
  RAMPART_ATLAS_TECHNIQUES,
  type Severity,
  type ThreatRef,
} from "../../core/index.js";
import type { ScanReport } from "./report.js";
import { FINGERPRINT_KEY, SARIF_SCHEMA_URI, type SarifLog, toSarif } from "./sarif.js";
import { CODE_EXECUTION, MALFORMED_ARTIFACT } from "./threats.js";

const SCHEMA_PATH = new URL("./testdata/sarif/sarif-schema-2.1.0.json", import.meta.url);
const SCHEMA_TEXT = readFileSync(SCHEMA_PATH, "utf8");
// Pinned in testdata/sarif/README.md: the copy must stay the official file, unedited.
const SCHEMA_SHA256 = "ad389db5a66fad5c131178b0e1f18600ac625616cd5ea20a00ee8ee246dc7069";

const TOOL = {
  name: "Rampart",
  version: "0.1.0",
  informationUri: "https://github.com/rampart-mlsecops/rampart",
};

// RFC 3986 characters, with "%" only as a percent-encoding.
const URI_REFERENCE = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
const HAS_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i;

/**
 * Ajv for the official schema as committed. Three accommodations, none of which loosens what
 * Rampart's output is checked against (testdata/sarif/README.md has the details):
 * - validateSchema: false, because the schema misplaces an `anyOf` inside region.properties
 *   and so fails its own meta-schema; region.startLine is asserted separately below.
 * - a RegExp factory mapping the schema's `(?i)` (not JavaScript syntax) to the `i` flag.
 * - minimal uri / uri-reference / date-time checks, since ajv-formats is not installed.
 * strict: false because the schema uses `definitions` and `default`s the strict mode flags.
 */
function compileSchema() {
  const regExp = Object.assign(
    (pattern: string, flags: string) =>
      pattern.includes("(?i)")
        ? new RegExp(pattern.replaceAll("(?i)", ""), `${flags}i`)
        : new RegExp(pattern, flags),
    { code: "sarifSchemaRegExp" },
  );
  const ajv = new Ajv2020({
    strict: false,
    allErrors: true,
    validateSchema: false,
    code: { regExp },
    formats: {
      uri: (text: string) => HAS_SCHEME.test(text) && URI_REFERENCE.test(text),
      "uri-reference": (text: string) => URI_REFERENCE.test(text),
      "date-time": (text: string) => DATE_TIME.test(text) && !Number.isNaN(Date.parse(text)),
    },
  });
  const validate = ajv.compile(JSON.parse(SCHEMA_TEXT));
  return (log: unknown): { valid: boolean; errors: string } => {
    const valid = validate(log);
    const errors = (validate.errors ?? [])
      .map((error: ErrorObject) => `${error.instancePath || "/"} ${error.message ?? ""}`)
      .join("\n");
    return { valid, errors };
  };
}

const validateSarif = compileSchema();

function expectValid(log: unknown): void {
  const { valid, errors } = validateSarif(log);
  // The message lists every schema error, so a failure says all that is wrong at once.
  expect(errors, "SARIF schema errors").toBe("");
  expect(valid).toBe(true);
}

interface Spec {
  id: string;
  rule: string;
  severity: Severity;
  file: string;
  location?: string;
  offset?: number;
  title: string;
  why: string;
  threats?: ThreatRef[];
  confidence?: number;
  facts?: Record<string, unknown>;
}

function scanFinding(spec: Spec, time?: string): Finding {
  const evidence: Record<string, unknown> = {
    ...spec.facts,
    rule: spec.rule,
    file: spec.file,
    location: spec.location ?? spec.file,
    format: spec.rule.split(".")[0],
    why: spec.why,
    ...(spec.offset === undefined ? {} : { offset: spec.offset }),
  };
  return createFinding({
    id: spec.id,
    detector: `scan.${spec.rule.split(".")[0]}`,
    title: spec.title,
    severity: spec.severity,
    asset: { kind: "file", id: spec.file },
    threats: spec.threats ?? CODE_EXECUTION,
    evidence,
    remediation: spec.why,
    ...(spec.confidence === undefined ? {} : { confidence: spec.confidence }),
    ...(time === undefined ? {} : { time }),
  });
}

const EVIL_WHY =
  "Loading this file runs os.system. Do not load it; get the model from a trusted source.";
const ZIP_WHY =
  "The zip's local and central headers disagree, so loaders and scanners see different files.";

function specs(): Spec[] {
  return [
    {
      id: "scan:evil",
      rule: "pickle.dangerous-global",
      severity: "critical",
      file: "models/evil.pkl",
      offset: 61,
      title: "os.system called at offset 61",
      why: EVIL_WHY,
      facts: { global: "os.system", opcode: "REDUCE" },
    },
    {
      id: "scan:zip-trick",
      rule: "zip.header-mismatch",
      severity: "high",
      file: "m.zip",
      location: "m.zip!/archive/data.pkl",
      offset: 30,
      title: "local header names a different file than the central directory",
      why: ZIP_WHY,
      threats: MALFORMED_ARTIFACT,
      facts: { member: "archive/data.pkl" },
    },
    {
      // Same rule as scan:evil, less severe: the rule must still report the worst case.
      id: "scan:zip-pickle",
      rule: "pickle.dangerous-global",
      severity: "high",
      file: "m.zip",
      location: "m.zip!/archive/data.pkl",
      offset: 12,
      title: "builtins.exec called at offset 12 (in archive/data.pkl)",
      why: "Loading this file runs builtins.exec. Do not load it.",
      facts: { global: "builtins.exec" },
    },
    {
      id: "scan:lambda",
      rule: "keras.lambda-layer",
      severity: "medium",
      file: "models/net.keras",
      location: "models/net.keras!/config.json",
      title: "Lambda layer with Python bytecode",
      why: "A Lambda layer runs code when the model is loaded with safe_mode off.",
      confidence: 0.6,
      facts: { name: "lambda_1" },
    },
    {
      id: "scan:meta",
      rule: "safetensors.large-metadata",
      severity: "low",
      file: "models/ok.safetensors",
      title: "metadata header is 9 MiB",
      why: "An oversized header can hide data; legitimate files keep it small.",
      threats: MALFORMED_ARTIFACT,
    },
    {
      id: "scan:note",
      rule: "gguf.unknown-key",
      severity: "info",
      file: "models/ok.safetensors",
      title: "unrecognised metadata key",
      why: "Informational: the key is not one Rampart knows.",
      threats: MALFORMED_ARTIFACT,
      facts: { key: "x.custom" },
    },
  ];
}

function makeReport(order: (list: Spec[]) => Spec[] = (list) => list, time?: string): ScanReport {
  return {
    findings: order(specs()).map((spec) => scanFinding(spec, time)),
    files: [
      {
        path: "models/evil.pkl",
        format: "pickle",
        sha256: "a".repeat(64),
        size: 120,
        findings: ["scan:evil"],
      },
      {
        path: "m.zip",
        format: "zip",
        sha256: "b".repeat(64),
        size: 2048,
        findings: ["scan:zip-trick", "scan:zip-pickle"],
      },
      {
        path: "models/net.keras",
        format: "keras-v3",
        sha256: "c".repeat(64),
        size: 4096,
        findings: ["scan:lambda"],
      },
      {
        path: "models/ok.safetensors",
        format: "safetensors",
        sha256: "d".repeat(64),
        size: 512,
        findings: ["scan:meta", "scan:note"],
      },
    ],
    skipped: [{ path: "README.md", reason: "not a model or archive format Rampart recognises" }],
    errors: [
      { path: "m.zip!/archive/broken.pkl", message: "pickle scanner failed: truncated stream" },
    ],
  };
}

const emptyReport = (): ScanReport => ({ findings: [], files: [], skipped: [], errors: [] });

function only<T>(items: readonly T[], predicate: (item: T) => boolean): T {
  const matches = items.filter(predicate);
  expect(matches).toHaveLength(1);
  return matches[0]!;
}

function run(log: SarifLog) {
  expect(log.runs).toHaveLength(1);
  return log.runs[0]!;
}

function resultFor(log: SarifLog, findingId: string) {
  return only(run(log).results, (result) => result.properties.findingId === findingId);
}

function ruleFor(log: SarifLog, id: string) {
  return only(run(log).tool.driver.rules, (rule) => rule.id === id);
}

const BASE = process.cwd();

describe("toSarif", () => {
  it("uses an unedited copy of the official OASIS schema", () => {
    expect(createHash("sha256").update(SCHEMA_TEXT).digest("hex")).toBe(SCHEMA_SHA256);
    const schema = JSON.parse(SCHEMA_TEXT) as Record<string, unknown>;
    expect(schema.$id).toBe(
      "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json",
    );
    expect(schema.title).toBe("Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema");
  });

  it("writes a log that validates against the SARIF 2.1.0 schema", () => {
    const log = toSarif(makeReport(), TOOL, { baseDir: BASE });
    expectValid(log);
    // Round-tripped through JSON, as the CLI writes it: nothing depends on undefined fields.
    expectValid(JSON.parse(JSON.stringify(log)));
    expect(log.version).toBe("2.1.0");
    expect(log.$schema).toBe(SARIF_SCHEMA_URI);
    const driver = run(log).tool.driver;
    expect(driver).toMatchObject({
      name: "Rampart",
      semanticVersion: "0.1.0",
      informationUri: TOOL.informationUri,
    });
    // The schema's region.anyOf is misplaced and checks nothing; GitHub needs a line.
    for (const result of run(log).results) {
      expect(result.locations[0]!.physicalLocation.region?.startLine).toBe(1);
    }
  });

  it("writes a valid log for an empty report", () => {
    const log = toSarif(emptyReport(), TOOL, { baseDir: BASE });
    expectValid(log);
    const empty = run(log);
    expect(empty.results).toEqual([]);
    expect(empty.tool.driver.rules).toEqual([]);
    expect(empty.artifacts).toEqual([]);
    expect(empty.invocations).toEqual([{ executionSuccessful: true }]);
  });

  it("rejects broken logs, so the schema check can fail", () => {
    const good = () => JSON.parse(JSON.stringify(toSarif(makeReport(), TOOL, { baseDir: BASE })));

    const wrongVersion = good();
    wrongVersion.version = "2.0.0";
    expect(validateSarif(wrongVersion)).toMatchObject({ valid: false });
    expect(validateSarif(wrongVersion).errors).toContain("/version");

    const noMessage = good();
    delete noMessage.runs[0].results[1].message;
    expect(validateSarif(noMessage)).toMatchObject({ valid: false });
    expect(validateSarif(noMessage).errors).toContain("/runs/0/results/1");

    const badLevel = good();
    badLevel.runs[0].results[0].level = "critical";
    expect(validateSarif(badLevel).valid).toBe(false);

    const badUri = good();
    badUri.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri = "models/a b.pkl";
    expect(validateSarif(badUri).valid).toBe(false);
  });

  it("declares one rule per rule id, sorted, with ruleIndex pointing at it", () => {
    const log = toSarif(makeReport(), TOOL, { baseDir: BASE });
    const rules = run(log).tool.driver.rules;
    const ids = rules.map((rule) => rule.id);
    expect(ids).toEqual([
      "gguf.unknown-key",
      "keras.lambda-layer",
      "pickle.dangerous-global",
      "safetensors.large-metadata",
      "zip.header-mismatch",
    ]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const result of run(log).results) {
      expect(rules[result.ruleIndex]?.id).toBe(result.ruleId);
    }
    expect(resultFor(log, "scan:evil").ruleId).toBe("pickle.dangerous-global");
    expect(resultFor(log, "scan:zip-pickle").ruleId).toBe("pickle.dangerous-global");

    const rule = ruleFor(log, "pickle.dangerous-global");
    expect(rule.name).toBe("PickleDangerousGlobal");
    expect(rule.shortDescription.text).toBe("Pickle: dangerous global");
    // The most severe finding speaks for the rule.
    expect(rule.fullDescription.text).toBe(EVIL_WHY);
    expect(rule.help.text).toContain(EVIL_WHY);
    expect(rule.help.text).toContain("AML.T0011.000");

    // Rules, indexes and descriptors do not depend on the order findings arrive in.
    const reversed = toSarif(
      makeReport((list) => [...list].reverse()),
      TOOL,
      { baseDir: BASE },
    );
    expect(run(reversed).tool.driver.rules).toEqual(rules);
    for (const result of run(reversed).results) {
      expect(result.ruleIndex).toBe(resultFor(log, result.properties.findingId).ruleIndex);
    }
  });

  it("maps severity to level, security-severity and precision", () => {
    const log = toSarif(makeReport(), TOOL, { baseDir: BASE });
    const expected: [string, string, string, string][] = [
      ["pickle.dangerous-global", "error", "9.5", "high"],
      ["zip.header-mismatch", "error", "8.0", "high"],
      ["keras.lambda-layer", "warning", "5.5", "medium"],
      ["safetensors.large-metadata", "note", "3.0", "high"],
      ["gguf.unknown-key", "note", "0.0", "high"],
    ];
    for (const [id, level, score, precision] of expected) {
      const rule = ruleFor(log, id);
      expect(rule.defaultConfiguration.level, id).toBe(level);
      expect(rule.properties["security-severity"], id).toBe(score);
      expect(rule.properties.precision, id).toBe(precision);
    }
    // A result's level is its own severity, not the rule's worst.
    expect(resultFor(log, "scan:evil").level).toBe("error");
    expect(resultFor(log, "scan:lambda").level).toBe("warning");
    expect(resultFor(log, "scan:meta").level).toBe("note");
    expect(resultFor(log, "scan:lambda").properties).toMatchObject({
      severity: "medium",
      confidence: 0.6,
    });
  });

  it("tags rules as security with their threat ids, within GitHub's 20-tag limit", () => {
    const log = toSarif(makeReport(), TOOL, { baseDir: BASE });
    expect(ruleFor(log, "pickle.dangerous-global").properties.tags).toEqual([
      "security",
      "ml-supply-chain",
      "AML.T0010.003",
      "AML.T0011.000",
      "AML.T0018.002",
      "AML.T0058",
      "ML06",
    ]);
    expect(resultFor(log, "scan:evil").properties.threats).toEqual(
      CODE_EXECUTION.map((threat) => threat.id),
    );

    const many = [...RAMPART_ATLAS_TECHNIQUES.map((id) => atlas(id)), owaspMl("ML06")];
    expect(many.length).toBeGreaterThan(20);
    const report = emptyReport();
    report.findings.push(scanFinding({ ...specs()[0]!, id: "scan:many", threats: many }));
    const crowded = toSarif(report, TOOL, { baseDir: BASE });
    const tags = run(crowded).tool.driver.rules[0]!.properties.tags;
    expect(tags).toHaveLength(20);
    expect(tags.slice(0, 2)).toEqual(["security", "ml-supply-chain"]);
    expectValid(crowded);
  });

  it("fingerprints the same issue the same way on every run, and different issues apart", () => {
    const first = toSarif(makeReport(), TOOL, { baseDir: BASE });
    // A second scan, years later, with the findings in another order.
    const later = "2031-06-01T12:00:00.000Z";
    const second = toSarif(
      makeReport((list) => [...list].reverse(), later),
      TOOL,
      {
        baseDir: BASE,
      },
    );
    expect(run(second).results[0]!.properties.findingId).not.toBe(
      run(first).results[0]!.properties.findingId,
    );
    const prints = (log: SarifLog) =>
      new Map(
        run(log).results.map((result) => [
          result.properties.findingId,
          result.partialFingerprints[FINGERPRINT_KEY],
        ]),
      );
    expect(prints(second)).toEqual(prints(first));
    const values = [...prints(first).values()];
    for (const value of values) expect(value).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(values).size).toBe(values.length);

    // Same rule, file and place; only the dangerous callable differs.
    const a = emptyReport();
    a.findings.push(scanFinding({ ...specs()[0]!, facts: { global: "os.system" } }));
    const b = emptyReport();
    b.findings.push(scanFinding({ ...specs()[0]!, facts: { global: "posix.system" } }));
    const printOf = (report: ScanReport) =>
      run(toSarif(report, TOOL, { baseDir: BASE })).results[0]!.partialFingerprints[
        FINGERPRINT_KEY
      ];
    expect(printOf(a)).not.toBe(printOf(b));

    // Two checkouts of one repository in different folders are one alert, not two.
    const checkout = (root: string) => {
      const report = emptyReport();
      report.findings.push(scanFinding({ ...specs()[0]!, file: join(root, "models", "evil.pkl") }));
      const log = toSarif(report, TOOL, { baseDir: root });
      return run(log).results[0]!.partialFingerprints[FINGERPRINT_KEY];
    };
    expect(checkout(resolve("/ci/run-1/repo"))).toBe(checkout(resolve("/home/dev/repo")));
  });

  it("writes artifact URIs relative to baseDir, escaped, and absolute only outside it", () => {
    const root = resolve("/work/repo");
    const report = emptyReport();
    const files = [
      join(root, "models", "evil.pkl"),
      join(root, "models", "my model:v1 #2.pkl"),
      join(root, "modèle.pkl"),
      resolve("/elsewhere/other.pkl"),
    ];
    files.forEach((file, index) => {
      report.findings.push(scanFinding({ ...specs()[0]!, id: `scan:${index}`, file }));
      report.files.push({
        path: file,
        format: "pickle",
        sha256: "e".repeat(64),
        size: 10,
        findings: [],
      });
    });
    const log = toSarif(report, TOOL, { baseDir: root });
    expectValid(log);
    const uris = run(log).results.map(
      (result) => result.locations[0]!.physicalLocation.artifactLocation.uri,
    );
    expect(uris.slice(0, 3)).toEqual([
      "models/evil.pkl",
      "models/my%20model%3Av1%20%232.pkl",
      "mod%C3%A8le.pkl",
    ]);
    for (const uri of uris.slice(0, 3)) expect(uri).not.toMatch(HAS_SCHEME);
    expect(uris[3]).toMatch(/^file:\/\/\/.*elsewhere\/other\.pkl$/);
    expect(run(log).artifacts.map((artifact) => artifact.location.uri)).toEqual(uris);

    // Relative report paths are relative to the working directory, as scanPaths writes them.
    const relativeLog = toSarif(makeReport(), TOOL, { baseDir: BASE });
    expect(
      resultFor(relativeLog, "scan:evil").locations[0]!.physicalLocation.artifactLocation.uri,
    ).toBe("models/evil.pkl");
  });

  it("says where inside a container a finding is, and keeps inner offsets off the container", () => {
    const log = toSarif(makeReport(), TOOL, { baseDir: BASE });

    const evil = resultFor(log, "scan:evil");
    expect(evil.message.text).toBe(`os.system called at offset 61 — ${EVIL_WHY}`);
    expect(evil.locations[0]!.physicalLocation.region).toEqual({ startLine: 1, byteOffset: 61 });
    expect(evil.properties).toMatchObject({
      severity: "critical",
      location: "models/evil.pkl",
      findingId: "scan:evil",
      offset: 61,
    });

    const trick = resultFor(log, "scan:zip-trick");
    expect(trick.message.text).toBe(
      `local header names a different file than the central directory — ${ZIP_WHY} (in m.zip!/archive/data.pkl)`,
    );
    expect(trick.locations[0]!.physicalLocation.artifactLocation.uri).toBe("m.zip");
    // Offset 30 is inside archive/data.pkl, not byte 30 of m.zip.
    expect(trick.locations[0]!.physicalLocation.region).toEqual({ startLine: 1 });
    expect(trick.properties).toMatchObject({ location: "m.zip!/archive/data.pkl", offset: 30 });

    // The scanner's title already names the member: not said twice.
    const inner = resultFor(log, "scan:zip-pickle");
    expect(inner.message.text).toBe(
      "builtins.exec called at offset 12 (in archive/data.pkl) — Loading this file runs builtins.exec. Do not load it.",
    );
  });

  it("lists scanned files as artifacts and reports errors and skipped files", () => {
    const log = toSarif(makeReport(), TOOL, { baseDir: BASE });
    const { artifacts, invocations, results } = run(log);
    expect(artifacts[1]).toEqual({
      location: { uri: "m.zip" },
      length: 2048,
      roles: ["analysisTarget"],
      hashes: { "sha-256": "b".repeat(64) },
      properties: { format: "zip" },
    });
    for (const result of results) {
      const location = result.locations[0]!.physicalLocation.artifactLocation;
      expect(artifacts[location.index!]?.location.uri).toBe(location.uri);
    }
    expect(invocations).toHaveLength(1);
    expect(invocations[0]!.executionSuccessful).toBe(false);
    expect(invocations[0]!.toolExecutionNotifications).toEqual([
      {
        level: "error",
        message: { text: "m.zip!/archive/broken.pkl: pickle scanner failed: truncated stream" },
        locations: [{ physicalLocation: { artifactLocation: { uri: "m.zip" } } }],
      },
      {
        level: "note",
        message: { text: "skipped README.md: not a model or archive format Rampart recognises" },
        locations: [{ physicalLocation: { artifactLocation: { uri: "README.md" } } }],
      },
    ]);

    // The same file named twice is one artifact: the schema wants them unique.
    const twice = makeReport();
    twice.files.push({ ...twice.files[0]! });
    const deduped = toSarif(twice, TOOL, { baseDir: BASE });
    expect(run(deduped).artifacts).toHaveLength(4);
    expectValid(deduped);
  });

  it("converts a finding that carries no scan evidence", () => {
    const report = emptyReport();
    report.findings.push(
      createFinding({
        id: "ledger:1",
        detector: "ledger.verify",
        title: "signature does not verify",
        severity: "critical",
        asset: { kind: "file", id: "models/evil.pkl" },
        threats: [atlas("AML.T0010.003")],
        evidence: {},
      }),
    );
    const log = toSarif(report, TOOL, { baseDir: BASE });
    expectValid(log);
    const result = run(log).results[0]!;
    expect(result.ruleId).toBe("ledger.verify");
    expect(result.message.text).toBe("signature does not verify");
    expect(run(log).tool.driver.rules[0]!.fullDescription.text).toBe("signature does not verify");
    expect(result.locations[0]!.physicalLocation.artifactLocation.uri).toBe("models/evil.pkl");
  });
});
