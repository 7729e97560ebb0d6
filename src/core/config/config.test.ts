import { describe, expect, it } from "vitest";
import { RampartError } from "../errors.js";
import { defaultConfig, parseConfig, renderDefaultConfig } from "./index.js";

function problemsOf(text: string): { path: string; line?: number; message: string }[] {
  try {
    parseConfig(text);
  } catch (error) {
    expect(error).toBeInstanceOf(RampartError);
    const e = error as RampartError;
    expect(e.code).toBe("E_CONFIG");
    return (e.details as { problems: { path: string; line?: number; message: string }[] }).problems;
  }
  throw new Error("expected the configuration to be rejected");
}

describe("rampart.yaml", () => {
  it("the commented template parses to exactly the defaults", () => {
    expect(parseConfig(renderDefaultConfig())).toEqual(defaultConfig());
  });

  it("fills defaults for omitted sections", () => {
    const config = parseConfig("version: 1\nledger:\n  checkpoint:\n    every_entries: 10\n");
    expect(config.ledger.checkpoint).toEqual({ every_entries: 10, every_seconds: 60 });
    expect(config.store.path).toBe(".rampart/rampart.db");
  });

  it("names the key path and line of a wrong type", () => {
    const problems = problemsOf("version: 1\nledger:\n  checkpoint:\n    every_entries: lots\n");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: "ledger.checkpoint.every_entries", line: 4 });
    expect(problems[0]?.message).toMatch(/expected number/);
  });

  it("rejects a misspelt key and lists the keys it expected", () => {
    const problems = problemsOf("version: 1\nstore:\n  pth: x.db\n");
    expect(problems[0]).toMatchObject({ path: "store.pth", line: 3 });
    expect(problems[0]?.message).toMatch(/unknown key "pth".*path/);
  });

  it("rejects an unknown severity with the allowed values", () => {
    const problems = problemsOf("version: 1\nfindings:\n  fail_on: severe\n");
    expect(problems[0]).toMatchObject({ path: "findings.fail_on", line: 3 });
    expect(problems[0]?.message).toMatch(/critical/);
  });

  it("requires the version key", () => {
    const problems = problemsOf("store:\n  path: a.db\n");
    expect(problems.map((p) => p.path)).toContain("version");
  });

  it("reports YAML syntax errors with their line", () => {
    const problems = problemsOf("version: 1\nstore:\n  path: [unclosed\n");
    expect(problems[0]?.path).toBe("(yaml)");
    expect(problems[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it("rejects duplicate keys rather than letting the last one win", () => {
    const problems = problemsOf("version: 1\nversion: 1\n");
    expect(problems[0]?.path).toBe("(yaml)");
  });

  it("models: promotion is strict by default, and its keys are checked", () => {
    expect(defaultConfig().models).toEqual({
      encrypt_at_rest: false,
      promotion: {
        require_signature: true,
        trusted_keys: [],
        trusted_certificate_roots: [],
        trusted_identities: [],
        max_scan_severity: "medium",
        require_vetted_datasets: true,
      },
    });
    const config = parseConfig(
      "version: 1\nmodels:\n  promotion:\n    trusted_identities:\n      - { identity: a@b.c, issuer: https://x }\n",
    );
    expect(config.models.promotion.trusted_identities).toEqual([
      { identity: "a@b.c", issuer: "https://x" },
    ]);
    const problems = problemsOf(
      "version: 1\nmodels:\n  promotion:\n    max_scan_severity: severe\n    trusted_identities:\n      - { identity: a@b.c }\n",
    );
    expect(problems.map((p) => p.path).sort()).toEqual([
      "models.promotion.max_scan_severity",
      "models.promotion.trusted_identities[0].issuer",
    ]);
  });

  it("rejects a database_url that is not postgres", () => {
    const problems = problemsOf("version: 1\nstore:\n  database_url: mysql://x\n");
    expect(problems[0]).toMatchObject({ path: "store.database_url", line: 3 });
  });
});
