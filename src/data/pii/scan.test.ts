import { describe, expect, it } from "vitest";
import { categorical, numeric, seeded, tableOf } from "../validate/testing.js";
import { kindSeverity, piiFindings } from "./findings.js";
import { scanTable } from "./scan.js";

const asset = { kind: "dataset" as const, id: "customers.csv" };

/** 200 customer rows with PII in several columns, and columns that look numeric-ish but are not. */
function customers() {
  const n = 200;
  const random = seeded(7);
  const cards = ["4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005"];
  const ibans = ["GB82 WEST 1234 5698 7654 32", "DE89 3704 0044 0532 0130 00"];
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  const rows = Array.from({ length: n }, (_, i) => ({
    email: `user${i}@example.com`,
    phone: i % 4 === 0 ? null : `+44 20 7946 ${String(1000 + i).padStart(4, "0")}`,
    card: pick(cards),
    iban: pick(ibans),
    ssn: `${String(100 + (i % 500)).padStart(3, "0")}-${String(10 + (i % 89))}-${String(1000 + i)}`,
    ip: i % 2 === 0 ? `10.0.${i % 256}.${(i * 7) % 256}` : "2001:db8::8a2e:370:7334",
    // Only one row mentions an address: a stray match, one level lower.
    note: i === 3 ? "customer asked to be mailed at a@b.io" : `order ${i} shipped`,
    amount: Math.round(random() * 100000) / 100,
    order_id: 5_000_000_000 + i,
    country: pick(["US", "GB", "FR"]),
  }));
  const col = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
  return tableOf(
    categorical("email", col("email")),
    categorical("phone", col("phone")),
    categorical("card", col("card")),
    categorical("iban", col("iban")),
    categorical("ssn", col("ssn")),
    categorical("ip", col("ip")),
    categorical("note", col("note")),
    numeric("amount", col("amount")),
    numeric("order_id", col("order_id"), "BIGINT"),
    categorical("country", col("country")),
  );
}

describe("scanTable", () => {
  it("counts each kind per column, over non-null values, with masked examples", () => {
    const report = scanTable(customers());
    const byColumn = Object.fromEntries(report.columns.map((c) => [c.column, c]));
    const kinds = (name: string) => byColumn[name]?.kinds.map((k) => [k.kind, k.rows]);
    expect(kinds("email")).toEqual([["email", 200]]);
    expect(kinds("phone")).toEqual([["phone", 150]]);
    expect(byColumn.phone?.scanned).toBe(150);
    expect(byColumn.phone?.kinds[0]?.fraction).toBe(1);
    expect(kinds("card")).toEqual([["card", 200]]);
    expect(kinds("iban")).toEqual([["iban", 200]]);
    expect(kinds("ssn")).toEqual([["ssn", 200]]);
    expect(kinds("ip")).toEqual([
      ["ipv4", 100],
      ["ipv6", 100],
    ]);
    expect(kinds("note")).toEqual([["email", 1]]);
    expect(kinds("country")).toEqual([]);
    // Amounts have fractions and order ids have 10 digits: neither can be PII by the rule.
    expect(report.skipped.map((s) => s.column)).toEqual(["amount", "order_id"]);

    const examples = report.columns.flatMap((c) => c.kinds.flatMap((k) => k.examples));
    expect(examples).toContain("**** **** **** 1111");
    expect(examples).toContain("u***@e***.com");
    for (const raw of ["4111 1111 1111 1111", "user0@example.com", "GB82 WEST", "10.0.0.0"]) {
      expect(examples.join("\n")).not.toContain(raw);
    }
  });

  it("raises one finding per PII column, severity by kind and share", () => {
    const findings = piiFindings(scanTable(customers()), asset);
    const severity = Object.fromEntries(
      findings.map((f) => [f.evidence.column as string, f.severity]),
    );
    expect(severity).toEqual({
      email: "medium",
      phone: "medium",
      card: "high",
      iban: "high",
      ssn: "high",
      ip: "low",
      note: "low",
    });
    const card = findings.find((f) => f.evidence.column === "card")!;
    expect(card.detector).toBe("data.pii");
    expect(card.threats.map((t) => t.id)).toEqual(
      expect.arrayContaining(["AML.T0024.000", "ML03", "ML04"]),
    );
    expect(JSON.stringify(findings)).not.toContain("4111 1111 1111 1111");
  });

  it("a stray match drops one level, never below low", () => {
    expect(kindSeverity({ kind: "card", rows: 1, fraction: 0.005, examples: [] })).toBe("medium");
    expect(kindSeverity({ kind: "card", rows: 9, fraction: 0.5, examples: [] })).toBe("high");
    expect(kindSeverity({ kind: "ipv4", rows: 1, fraction: 0.001, examples: [] })).toBe("low");
  });

  it("scans integer columns for card numbers, and phone/SSN columns for bare digits", () => {
    const table = tableOf(
      numeric("pan", [4111111111111111, 5555555555554444, null, 1234567890123452], "BIGINT"),
      numeric("phone_number", [4402079460958, 5551234567, 12], "BIGINT"),
      numeric("ssn", [78051120, 123456789, 666123456], "INTEGER"),
      numeric("balance", [4111111111111111, 2.5, 3], "DOUBLE"),
    );
    const report = scanTable({ ...table, nRows: 3 });
    const byColumn = Object.fromEntries(report.columns.map((c) => [c.column, c]));
    expect(byColumn.pan?.kinds).toMatchObject([{ kind: "card", rows: 2 }]);
    expect(byColumn.pan?.scanned).toBe(2);
    expect(byColumn.phone_number?.kinds).toMatchObject([{ kind: "phone", rows: 2 }]);
    // 78051120 is 078-05-1120 with its leading zero lost to the integer type.
    expect(byColumn.ssn?.kinds).toMatchObject([{ kind: "ssn", rows: 2 }]);
    expect(byColumn.balance?.kinds).toMatchObject([{ kind: "card", rows: 1 }]);
  });

  it("finds nothing in clean data", () => {
    const random = seeded(1);
    const n = 500;
    const table = tableOf(
      numeric(
        "amount",
        Array.from({ length: n }, () => random() * 1000),
      ),
      numeric(
        "id",
        Array.from({ length: n }, (_, i) => 1_000_000_000 + i),
        "BIGINT",
      ),
      categorical(
        "sku",
        Array.from({ length: n }, (_, i) => `SKU-${10000 + i}`),
      ),
      categorical(
        "when",
        Array.from({ length: n }, (_, i) => `2024-0${1 + (i % 9)}-1${i % 10} 12:3${i % 10}:00`),
      ),
      categorical(
        "version",
        Array.from({ length: n }, (_, i) => `v1.${i % 20}.3`),
      ),
    );
    const report = scanTable(table);
    expect(report.columns.every((c) => c.kinds.length === 0)).toBe(true);
    expect(piiFindings(report, asset)).toEqual([]);
  });

  it("restricts the scan to --columns and names the available ones for a typo", () => {
    const report = scanTable(customers(), { columns: ["email", "country"] });
    expect(report.columns.map((c) => c.column)).toEqual(["email", "country"]);
    expect(() => scanTable(customers(), { columns: ["emial"] })).toThrow(/no column "emial"/);
  });
});
