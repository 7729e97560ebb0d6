import { describe, expect, it } from "vitest";
import { compareSchema, schemaFindings, schemaOf } from "./schemaCheck.js";
import { categorical, numeric, tableOf } from "./testing.js";

describe("compareSchema", () => {
  const reference = tableOf(
    numeric("id", [1], "BIGINT"),
    numeric("amount", [1], "INTEGER"),
    categorical("country", ["US"]),
    numeric("age", [1], "BIGINT"),
    categorical("when", ["2024-01-01"]),
  );

  it("finds missing, new and retyped columns with a severity each", () => {
    const batch = tableOf(
      numeric("id", [1], "BIGINT"),
      numeric("amount", [1.5], "DOUBLE"),
      numeric("country", [1], "BIGINT"),
      categorical("when", ["2024-01-01"], "DATE"),
      categorical("coupon", ["X"]),
    );
    const changes = compareSchema(schemaOf(batch), schemaOf(reference));
    expect(changes.map((c) => [c.column, c.change, c.severity])).toEqual([
      ["amount", "sql_type", "low"],
      ["country", "kind", "high"],
      ["age", "missing", "high"],
      ["when", "sql_type", "medium"],
      ["coupon", "extra", "medium"],
    ]);
    const findings = schemaFindings(changes, {
      asset: { kind: "dataset", id: "b" },
      trust: "untrusted",
    });
    expect(findings.map((f) => f.title)).toContain(
      'column "country" changed type: VARCHAR (categorical) → BIGINT (numeric)',
    );
    expect(findings[0]?.detector).toBe("data.validate.schema");
    expect(findings[0]?.threats.map((t) => t.id)).toEqual(["AML.T0020", "ML02", "AML.T0059"]);
    expect(findings[0]?.evidence).toMatchObject({
      column: "amount",
      change: "sql_type",
      trust: "untrusted",
    });
  });

  it("finds nothing when the schema is the same", () => {
    expect(compareSchema(schemaOf(reference), schemaOf(reference))).toEqual([]);
  });
});
