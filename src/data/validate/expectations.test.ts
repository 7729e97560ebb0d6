import { describe, expect, it } from "vitest";
import { isRampartError } from "../../core/index.js";
import { checkExpectations, expectationFindings } from "./expectationsCheck.js";
import { parseExpectations } from "./expectationsFormat.js";
import { categorical, numeric, tableOf } from "./testing.js";

const EXAMPLE = `# what the fraud team expects of a transactions batch
rows: { min: 5 }
columns:
  amount: { type: numeric, min: 0, max: 100000, not_null: true }
  country: { allowed: [US, GB, FR], max_null_fraction: 0.2 }
  id: { unique: true, sql_type: BIGINT }
  email: { pattern: "^[^@]+@[^@]+$", severity: medium }
  coupon: { required: false }
`;

function batch() {
  return tableOf(
    numeric("amount", [10, -5, 250_000, null, 40, 50, 60]),
    categorical("country", ["US", "GB", "DE", null, null, "FR", "XX"]),
    numeric("id", [1, 2, 3, 3, 5, 1, 7], "BIGINT"),
    categorical("email", ["a@b.c", "nope", "x@y.z", null, "p@q.r", "@@", "m@n.o"]),
  );
}

const failed = (results: ReturnType<typeof checkExpectations>) =>
  Object.fromEntries(
    results.filter((r) => !r.ok).map((r) => [`${r.column}.${r.rule}`, [r.violations, r.examples]]),
  );

describe("the expectations format", () => {
  it("parses the documented example with defaults filled in", () => {
    const e = parseExpectations(EXAMPLE);
    expect(e.rows).toEqual({ min: 5, severity: "high" });
    expect(e.allow_extra_columns).toBe(true);
    expect(e.columns.amount).toMatchObject({
      type: "numeric",
      min: 0,
      not_null: true,
      unique: false,
    });
    expect(e.columns.coupon?.required).toBe(false);
    expect(e.columns.email?.severity).toBe("medium");
  });

  it("accepts a column with no rules at all (it must exist)", () => {
    expect(parseExpectations("columns:\n  id:\n").columns.id?.required).toBe(true);
  });

  it("names the key path and the line of every problem", () => {
    const text = [
      "columns:",
      "  amount: { min: 10, max: 1 }",
      "  country:",
      "    allowd: [US]",
      "  id: { unique: yes-please }",
      "  email: { pattern: '([a-z' }",
      "rows: { min: -1 }",
    ].join("\n");
    let error: unknown;
    try {
      parseExpectations(text, "expect.yaml");
    } catch (e) {
      error = e;
    }
    expect(isRampartError(error) && error.code).toBe("E_CONFIG");
    const problems = (error as { details: { problems: { path: string; line?: number }[] } }).details
      .problems;
    const at = Object.fromEntries(problems.map((p) => [p.path, p.line]));
    expect(at).toMatchObject({
      "columns.amount": 2,
      "columns.country.allowd": 4,
      "columns.id.unique": 5,
      "columns.email.pattern": 6,
      "rows.min": 7,
    });
    expect((error as Error).message).toMatch(
      /expect\.yaml:4 {2}columns\.country\.allowd: unknown key/,
    );
  });

  it("reports broken YAML with its line", () => {
    expect(() => parseExpectations("columns:\n  a: {min: 1\n", "x.yaml")).toThrow(/x\.yaml:\d/);
  });
});

describe("checkExpectations", () => {
  it("finds each broken rule with its count and example rows", () => {
    const results = checkExpectations(batch(), parseExpectations(EXAMPLE));
    expect(failed(results)).toEqual({
      "amount.min": [1, [1]],
      "amount.max": [1, [2]],
      "amount.not_null": [1, [3]],
      "country.allowed": [2, [2, 6]],
      "country.max_null_fraction": [2, [3, 4]],
      "id.unique": [2, [3, 5]],
      "email.pattern": [2, [1, 5]],
    });
    // Passing rules are reported too, so a report shows what was checked.
    expect(results.find((r) => r.column === "id" && r.rule === "sql_type")?.ok).toBe(true);
    expect(results.find((r) => r.rule === "rows")).toMatchObject({ ok: true, actual: 7 });
  });

  it("passes a clean batch", () => {
    const clean = tableOf(
      numeric("amount", [10, 20, 30, 40, 50]),
      categorical("country", ["US", "GB", "FR", "US", null]),
      numeric("id", [1, 2, 3, 4, 5], "BIGINT"),
      categorical("email", ["a@b.c", "d@e.f", "g@h.i", "j@k.l", "m@n.o"]),
    );
    const results = checkExpectations(clean, parseExpectations(EXAMPLE));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(
      expectationFindings(results, { asset: { kind: "dataset", id: "x" }, trust: "trusted" }),
    ).toEqual([]);
  });

  it("reports missing, retyped and unexpected columns, and too few rows", () => {
    const e = parseExpectations(
      "rows: { min: 100 }\nallow_extra_columns: false\ncolumns:\n  amount: { type: numeric, min: 0 }\n  country: {}\n  coupon: { required: false }\n",
    );
    const t = tableOf(categorical("amount", ["1", "2"]), numeric("extra", [1, 2]));
    expect(failed(checkExpectations(t, e))).toEqual({
      "null.rows": [1, []],
      "amount.type": [1, []],
      "country.required": [1, []],
      "extra.extra_column": [1, []],
    });
  });

  it("maps failures to dataset integrity, and to poisoning only for an untrusted batch", () => {
    const results = checkExpectations(batch(), parseExpectations(EXAMPLE));
    const asset = { kind: "dataset" as const, id: "tx.csv" };
    const trusted = expectationFindings(results, { asset, trust: "trusted" });
    const untrusted = expectationFindings(results, { asset, trust: "untrusted" });
    expect(trusted).toHaveLength(7);
    expect(trusted[0]?.detector).toBe("data.validate.expectation");
    expect(trusted[0]?.threats.map((t) => t.id)).toEqual(["AML.T0059"]);
    expect(untrusted[0]?.threats.map((t) => t.id)).toEqual(["AML.T0020", "ML02", "AML.T0059"]);
    const min = trusted.find((f) => f.evidence.rule === "min")!;
    expect(min.title).toBe('column "amount": 1 row below min 0');
    expect(min.evidence).toMatchObject({ column: "amount", violations: 1, examples: [1] });
    expect(trusted.find((f) => f.evidence.column === "email")?.severity).toBe("medium");
  });
});
