import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, rampart } from "../../../../test/cli.js";
import { gaussian, seeded } from "../../../data/validate/testing.js";

interface Finding {
  detector: string;
  severity: string;
  title: string;
  evidence: Record<string, unknown>;
  threats: { id: string }[];
}
const findingsOf = (doc: Record<string, unknown>) => doc.findings as Finding[];

/** A transactions CSV: amount ~ N(100 + 20·shift, 20), country US/GB/FR, optional damage. */
function transactions(
  n: number,
  seed: number,
  options: { shift?: number; newCountry?: number; nullAmount?: number } = {},
): string {
  const random = seeded(seed);
  const lines = ["id,amount,country,channel"];
  for (let i = 0; i < n; i++) {
    const amount =
      random() < (options.nullAmount ?? 0)
        ? ""
        : (100 + 20 * (options.shift ?? 0) + 20 * gaussian(random)).toFixed(2);
    const u = random();
    const country =
      random() < (options.newCountry ?? 0) ? "ZZ" : u < 0.5 ? "US" : u < 0.8 ? "GB" : "FR";
    lines.push(`${i},${amount},${country},${random() < 0.7 ? "web" : "app"}`);
  }
  return `${lines.join("\n")}\n`;
}

describe("rampart data validate", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "rampart-validate-cli-"));
    writeFileSync(join(dir, "reference.csv"), transactions(1500, 1));
    writeFileSync(join(dir, "clean.csv"), transactions(600, 2));
    writeFileSync(join(dir, "shifted.csv"), transactions(600, 3, { shift: 1, newCountry: 0.3 }));
    writeFileSync(
      join(dir, "expect.yaml"),
      "rows: { min: 100 }\ncolumns:\n  amount: { type: numeric, min: 0, not_null: true }\n  country: { allowed: [US, GB, FR] }\n  id: { unique: true }\n",
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("passes a clean batch against its reference and expectations", () => {
    const run = rampart(dir, [
      "--json",
      "data",
      "validate",
      "clean.csv",
      "--against",
      "reference.csv",
      "--expect",
      "expect.yaml",
    ]);
    const doc = json(run);
    expect(run.code).toBe(0);
    expect(doc).toMatchObject({
      schema: "rampart/data-validate@1",
      ok: true,
      rows: 600,
      trust: "unknown",
    });
    expect(findingsOf(doc)).toEqual([]);
    const drift = doc.drift as { tests: { column: string }[]; skipped: { column: string }[] };
    expect(drift.tests.map((t) => t.column).sort()).toEqual(["amount", "channel", "country"]);
    expect(drift.skipped.map((s) => s.column)).toEqual(["id"]);
    expect(doc.schema_changes).toEqual([]);
  });

  it("flags the shifted columns and the broken expectation, naming them, exit 1", () => {
    const run = rampart(dir, [
      "--json",
      "data",
      "validate",
      "shifted.csv",
      "--against",
      "reference.csv",
      "--expect",
      "expect.yaml",
    ]);
    expect(run.code).toBe(1);
    const findings = findingsOf(json(run));
    const drift = findings.filter((f) => f.detector === "data.validate.drift");
    expect(drift.map((f) => f.evidence.column).sort()).toEqual(["amount", "country"]);
    for (const f of drift) {
      expect(f.evidence).toHaveProperty("pvalue");
      expect(f.evidence).toHaveProperty("adjusted_pvalue");
      expect(f.evidence).toHaveProperty("effect_size.psi");
    }
    const allowed = findings.find((f) => f.detector === "data.validate.expectation")!;
    expect(allowed.evidence).toMatchObject({ column: "country", rule: "allowed" });
    expect((allowed.evidence.examples as number[]).length).toBe(5);
    expect(allowed.threats.map((t) => t.id)).toEqual(["AML.T0059"]);
  });

  it("prints a table for people", () => {
    const run = rampart(dir, ["data", "validate", "shifted.csv", "--against", "reference.csv"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/column "amount" shifted: KS D=/);
    expect(run.stdout).toMatch(/drift: \d+ test\(s\), holm correction at alpha 0.05/);
    expect(run.stdout).toMatch(/✗ \d+ finding\(s\) at or above high/);
  });

  it("reads alpha and correction from rampart.yaml, and --fail-on", () => {
    const sub = mkdtempSync(join(dir, "project-"));
    writeFileSync(
      join(sub, "rampart.yaml"),
      "version: 1\ndata:\n  validation: { alpha: 0.01, correction: bh }\n  sources:\n    feedback: { trust: untrusted }\n",
    );
    const run = rampart(sub, [
      "--json",
      "data",
      "validate",
      "../shifted.csv",
      "--against",
      "../reference.csv",
      "--source",
      "feedback",
      "--fail-on",
      "critical",
    ]);
    const doc = json(run);
    expect(run.code).toBe(0);
    expect(doc.fail_on).toBe("critical");
    expect(doc.trust).toBe("untrusted");
    expect(doc.drift).toMatchObject({ alpha: 0.01, correction: "bh" });
    const threats = findingsOf(doc)[0]!.threats.map((t) => t.id);
    expect(threats).toEqual(expect.arrayContaining(["AML.T0020", "ML02"]));
  });

  it("reports a schema change", () => {
    writeFileSync(
      join(dir, "renamed.csv"),
      "id,amount,nation,channel\n1,2.5,US,web\n2,3.5,GB,app\n",
    );
    const doc = json(
      rampart(dir, ["--json", "data", "validate", "renamed.csv", "--against", "reference.csv"]),
    );
    const schema = findingsOf(doc).filter((f) => f.detector === "data.validate.schema");
    expect(schema.map((f) => [f.evidence.column, f.evidence.change]).sort()).toEqual([
      ["country", "missing"],
      ["nation", "extra"],
    ]);
  });

  it("names the line of a bad expectations file, exit 2", () => {
    writeFileSync(join(dir, "bad.yaml"), "columns:\n  amount:\n    minimum: 0\n");
    const run = rampart(dir, ["data", "validate", "clean.csv", "--expect", "bad.yaml"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.yaml:3 {2}columns\.amount\.minimum: unknown key/);
    expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it("refuses to run with nothing to validate against, exit 2", () => {
    const run = rampart(dir, ["--json", "data", "validate", "clean.csv"]);
    expect(run.code).toBe(2);
    expect(json(run)).toMatchObject({ ok: false, error: { code: "E_USAGE" } });
  });
});

describe("rampart data pii", () => {
  let dir: string;
  const people = [
    "id,name,email,phone,card,iban,ssn,ip,note",
    "1,Jane,jane@example.com,+44 20 7946 0958,4111 1111 1111 1111,GB82 WEST 1234 5698 7654 32,123-45-6789,192.168.1.20,hello",
    '2,John,john@example.org,(415) 555-0132,5555-5555-5555-4444,DE89 3704 0044 0532 0130 00,078-05-1120,2001:db8::8a2e:370:7334,"call 415-555-0132"',
    "3,Ann,ann@example.net,020 7946 0958,378282246310005,NL91 ABNA 0417 1643 00,234-56-7890,10.0.0.1,ok",
  ];
  const RAW = [
    "jane@example.com",
    "7946 0958",
    "555-0132",
    "4111 1111 1111 1111",
    "5555-5555-5555-4444",
    "378282246310005",
    "GB82 WEST",
    "DE89 3704",
    "123-45-6789",
    "078-05-1120",
    "192.168.1.20",
    "2001:db8::",
    "10.0.0.1",
  ];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "rampart-pii-cli-"));
    writeFileSync(join(dir, "people.csv"), `${people.join("\n")}\n`);
    writeFileSync(join(dir, "clean.csv"), "id,sku,qty,price\n1,SKU-100,2,9.5\n2,SKU-200,1,12.25\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("finds every kind, masks the examples, exit 1 on high", () => {
    const run = rampart(dir, ["--json", "data", "pii", "people.csv"]);
    expect(run.code).toBe(1);
    const doc = json(run);
    expect(doc.schema).toBe("rampart/data-pii@1");
    const severity = Object.fromEntries(
      findingsOf(doc).map((f) => [f.evidence.column as string, f.severity]),
    );
    expect(severity).toEqual({
      card: "high",
      iban: "high",
      ssn: "high",
      email: "medium",
      phone: "medium",
      note: "medium",
      ip: "low",
    });
    for (const raw of RAW) expect(run.stdout).not.toContain(raw);
    expect(run.stdout).toContain("**** **** **** 1111");
  });

  it("writes a redacted copy: no raw PII, other columns unchanged, same value same token", () => {
    const run = rampart(dir, ["--json", "data", "pii", "people.csv", "--redact", "out.csv"]);
    const doc = json(run);
    expect((doc.redacted as { columns: unknown[] }).columns).toHaveLength(7);
    const text = readFileSync(join(dir, "out.csv"), "utf8");
    for (const raw of RAW) expect(text).not.toContain(raw);
    const rows = text.trim().split("\n");
    expect(rows[0]).toBe(people[0]);
    // id and name are untouched, byte for byte.
    expect(rows.map((r) => r.split(",").slice(0, 2).join(","))).toEqual(
      people.map((r) => r.split(",").slice(0, 2).join(",")),
    );
    expect(rows[1]).toMatch(/^1,Jane,pii:email:[0-9a-f]{12},pii:phone:[0-9a-f]{12},pii:card:/);
    // (415) 555-0132 and 415-555-0132 are one number: one token, in both columns.
    const phoneToken = rows[2]!.split(",")[3]!;
    expect(rows[2]).toContain(`call ${phoneToken}`);
    const key = join(dir, ".rampart", "keys", "pii-hmac.key");
    expect(statSync(key).mode & 0o777).toBe(0o600);
    // Run again: the key is reused, so the tokens are the same.
    rampart(dir, ["data", "pii", "people.csv", "--redact", "again.csv"]);
    expect(readFileSync(join(dir, "again.csv"), "utf8")).toBe(text);
    // Another key gives other tokens.
    const otherKey = join(dir, "other.key");
    writeFileSync(otherKey, `${"ab".repeat(32)}\n`, { mode: 0o600 });
    rampart(dir, ["data", "pii", "people.csv", "--redact", "other.csv"], {
      RAMPART_PII_KEY_FILE: otherKey,
    });
    expect(readFileSync(join(dir, "other.csv"), "utf8")).not.toBe(text);
  });

  it("scans only --columns, and never overwrites its input", () => {
    const doc = json(
      rampart(dir, ["--json", "data", "pii", "people.csv", "--columns", "email,ip"]),
    );
    expect((doc.columns as { column: string }[]).map((c) => c.column)).toEqual(["email", "ip"]);
    const same = rampart(dir, ["data", "pii", "people.csv", "--redact", "people.csv"]);
    expect(same.code).toBe(2);
    expect(readFileSync(join(dir, "people.csv"), "utf8")).toBe(`${people.join("\n")}\n`);
  });

  it("in an initialised project, stores the findings", () => {
    const project = mkdtempSync(join(dir, "project-"));
    expect(rampart(project, ["init"]).code).toBe(0);
    writeFileSync(join(project, "people.csv"), `${people.join("\n")}\n`);
    expect(rampart(project, ["data", "pii", "people.csv"]).code).toBe(1);
    const listed = json(rampart(project, ["--json", "findings", "list", "--detector", "data.pii"]));
    expect((listed.findings as unknown[]).length).toBe(7);
  });

  it("finds nothing in clean data, exit 0", () => {
    const run = rampart(dir, ["--json", "data", "pii", "clean.csv"]);
    expect(run.code).toBe(0);
    expect(json(run)).toMatchObject({ ok: true, findings: [] });
  });
});
