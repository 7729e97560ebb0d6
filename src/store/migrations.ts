import type { Kysely, Migration, MigrationProvider } from "kysely";

/**
 * Schema migrations, in order. Append new ones; never edit a migration that has shipped.
 * Types stay portable between SQLite and PostgreSQL: text, integer/bigint.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists.
type AnyDb = Kysely<any>;

const migrations: Record<string, Migration> = {
  "0001_ledger_and_findings": {
    async up(db: AnyDb) {
      await db.schema
        .createTable("ledger_entries")
        .addColumn("seq", "bigint", (c) => c.primaryKey())
        .addColumn("time", "text", (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("asset_kind", "text")
        .addColumn("asset_id", "text")
        .addColumn("asset_version", "text")
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("prev_hash", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("ledger_checkpoints")
        .addColumn("n", "bigint", (c) => c.primaryKey())
        .addColumn("seq", "bigint", (c) => c.notNull().unique())
        .addColumn("entry_hash", "text", (c) => c.notNull())
        .addColumn("time", "text", (c) => c.notNull())
        .addColumn("key_id", "text", (c) => c.notNull())
        .addColumn("every_entries", "integer", (c) => c.notNull())
        .addColumn("prev_hash", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull())
        .addColumn("signature", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("findings")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("time", "text", (c) => c.notNull())
        .addColumn("detector", "text", (c) => c.notNull())
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("severity", "text", (c) => c.notNull())
        .addColumn("severity_rank", "integer", (c) => c.notNull())
        .addColumn("asset_kind", "text", (c) => c.notNull())
        .addColumn("asset_id", "text", (c) => c.notNull())
        .addColumn("asset_version", "text")
        .addColumn("document", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("findings_by_severity")
        .on("findings")
        .columns(["severity_rank", "time"])
        .execute();
      await db.schema
        .createIndex("findings_by_asset")
        .on("findings")
        .columns(["asset_kind", "asset_id"])
        .execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

export const LATEST_MIGRATION = Object.keys(migrations).at(-1) as string;
