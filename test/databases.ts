import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, inject } from "vitest";
import { openStore, type Store, type StoreOptions } from "../src/store/index.js";
import { POSTGRES_URL } from "./services.js";

export type DialectName = "sqlite" | "postgres";

/** One empty database of a given kind; `open` can be called many times (and from children). */
export interface TestDatabase {
  dialect: DialectName;
  options: StoreOptions;
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

export async function freshDatabase(dialect: DialectName): Promise<TestDatabase> {
  if (dialect === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "rampart-test-"));
    const options: StoreOptions = { location: join(dir, "rampart.db") };
    return {
      dialect,
      options,
      open: () => openStore(options),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const options: StoreOptions = { location: POSTGRES_URL, pgSchema: schema };
  return {
    dialect,
    options,
    open: () => openStore(options),
    cleanup: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Runs the same suite against SQLite and PostgreSQL. The PostgreSQL copy is skipped (the
 * global setup has said why in one line) when the server is unreachable outside CI.
 */
export function describeEachDatabase(title: string, suite: (dialect: DialectName) => void): void {
  for (const dialect of ["sqlite", "postgres"] as const) {
    const available = dialect === "sqlite" || inject("services").postgres;
    describe.skipIf(!available)(`${title} [${dialect}]`, () => suite(dialect));
  }
}
