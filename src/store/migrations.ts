import { type Kysely, type Migration, type MigrationProvider, sql } from "kysely";

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
  "0002_model_registry": {
    async up(db: AnyDb) {
      // One row per registered model version. Structured fields are canonical JSON text:
      // the same bytes on both databases, read back as they were written.
      await db.schema
        .createTable("model_versions")
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("version", "text", (c) => c.notNull())
        .addColumn("seq", "integer", (c) => c.notNull())
        .addColumn("digest", "text", (c) => c.notNull())
        .addColumn("blob", "text", (c) => c.notNull())
        .addColumn("encrypted", "integer", (c) => c.notNull())
        .addColumn("stage", "text", (c) => c.notNull())
        .addColumn("files", "text", (c) => c.notNull())
        .addColumn("signature", "text")
        .addColumn("lineage", "text", (c) => c.notNull())
        .addColumn("metrics", "text", (c) => c.notNull())
        .addColumn("card", "text")
        .addColumn("scan", "text")
        .addColumn("scan_max_severity", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .addColumn("stage_changed_at", "text", (c) => c.notNull())
        .addColumn("production_order", "integer")
        .addColumn("rolled_back_at", "text")
        .addPrimaryKeyConstraint("model_versions_pk", ["name", "version"])
        .execute();
      await db.schema
        .createIndex("model_versions_by_seq")
        .on("model_versions")
        .columns(["name", "seq"])
        .unique()
        .execute();
      // At most one production version per name, held by the database itself: two
      // promotions racing on two gateway replicas cannot both win.
      await db.schema
        .createIndex("model_versions_one_production")
        .on("model_versions")
        .column("name")
        .unique()
        .where(sql.ref("stage"), "=", "production")
        .execute();
    },
  },
  "0003_data_snapshots": {
    async up(db: AnyDb) {
      // One row per dataset snapshot (src/data/snapshot). The signed envelope is the source
      // of truth; the other columns repeat what it says so lists and lookups need no parsing,
      // and `rampart data verify` checks they still agree with it.
      await db.schema
        .createTable("data_snapshots")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("dataset", "text", (c) => c.notNull())
        .addColumn("root_digest", "text", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("trust", "text", (c) => c.notNull())
        .addColumn("contributor", "text")
        .addColumn("parents", "text", (c) => c.notNull())
        .addColumn("files", "text", (c) => c.notNull())
        .addColumn("rows", "bigint", (c) => c.notNull())
        .addColumn("envelope", "text", (c) => c.notNull())
        .addColumn("key_id", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("status_changed_at", "text", (c) => c.notNull())
        .addColumn("status_changed_by", "text", (c) => c.notNull())
        .addColumn("status_reason", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("data_snapshots_by_dataset")
        .on("data_snapshots")
        .columns(["dataset", "created_at"])
        .execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

export const LATEST_MIGRATION = Object.keys(migrations).at(-1) as string;
