import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { categorical, numeric, tableOf, textAt } from "../validate/testing.js";
import { loadOrCreatePiiKey, readPiiKey } from "./hmacKey.js";
import { redactionToken, redactTable } from "./redact.js";
import { scanTable } from "./scan.js";

const key = Buffer.alloc(32, 7);
const otherKey = Buffer.alloc(32, 8);

describe("redactionToken", () => {
  it("is pii:<kind>:<12 hex>, stable for one key, different under another", () => {
    const token = redactionToken(key, "ssn", "123456789");
    expect(token).toMatch(/^pii:ssn:[0-9a-f]{12}$/);
    expect(redactionToken(key, "ssn", "123456789")).toBe(token);
    expect(redactionToken(otherKey, "ssn", "123456789")).not.toBe(token);
    expect(redactionToken(key, "ssn", "123456780")).not.toBe(token);
  });
});

describe("redactTable", () => {
  const table = () =>
    tableOf(
      categorical("contact", [
        "jane@example.com",
        "call +44 20 7946 0958 or jane@example.com",
        null,
        "no contact",
      ]),
      categorical("card", ["4111 1111 1111 1111", "4111111111111111", "n/a", "5555555555554444"]),
      numeric("pan", [4111111111111111, 12, null, 5555555555554444], "BIGINT"),
      numeric("amount", [1.5, 2, 3, 4]),
      categorical("country", ["US", "GB", "FR", "US"]),
    );

  it("replaces each match in place and leaves everything else alone", () => {
    const input = table();
    const { table: out, columns } = redactTable(input, key);
    expect(columns).toEqual([
      { column: "contact", rows: 2 },
      { column: "card", rows: 3 },
      { column: "pan", rows: 2 },
    ]);
    const contact = out.columns[0]!;
    const email = redactionToken(key, "email", "jane@example.com");
    expect(textAt(contact, 0)).toBe(email);
    expect(textAt(contact, 1)).toBe(
      `call ${redactionToken(key, "phone", "+442079460958")} or ${email}`,
    );
    expect(textAt(contact, 2)).toBeNull();
    expect(textAt(contact, 3)).toBe("no contact");
    // The same card written two ways gets one token: joins on the column still work.
    const card = out.columns[1]!;
    expect(textAt(card, 0)).toBe(textAt(card, 1));
    expect(textAt(card, 2)).toBe("n/a");
    // A numeric column with card numbers becomes text; its other values are kept as text.
    const pan = out.columns[2]!;
    expect(pan.kind).toBe("categorical");
    expect(textAt(pan, 0)).toBe(textAt(card, 0));
    expect(textAt(pan, 1)).toBe("12");
    expect(textAt(pan, 2)).toBeNull();
    // Columns without PII are the very same objects.
    expect(out.columns[3]).toBe(input.columns[3]);
    expect(out.columns[4]).toBe(input.columns[4]);
    // Nothing is left for a second scan to find.
    expect(scanTable(out).columns.every((c) => c.kinds.length === 0)).toBe(true);
  });

  it("redacts only the chosen columns", () => {
    const { columns } = redactTable(table(), key, { columns: ["card"] });
    expect(columns.map((c) => c.column)).toEqual(["card"]);
  });
});

describe("the redaction key", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "rampart-pii-key-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is made on first use with mode 0600, then reused", () => {
    const path = join(dir, ".rampart", "keys", "pii-hmac.key");
    const first = loadOrCreatePiiKey(path);
    expect(first).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadOrCreatePiiKey(path).equals(first)).toBe(true);
  });

  it("refuses a key that is too short or not hex", () => {
    const path = join(dir, "short.key");
    writeFileSync(path, "abcd\n");
    expect(() => readPiiKey(path)).toThrow(/at least 32 bytes/);
    writeFileSync(path, "z".repeat(64));
    expect(() => readPiiKey(path)).toThrow(/at least 32 bytes/);
    expect(readFileSync(path, "utf8")).toBe("z".repeat(64));
  });
});
