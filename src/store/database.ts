import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import {
  CompiledQuery,
  type Driver,
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
} from "kysely";
import pg from "pg";
import { RampartError } from "../core/index.js";
import { LATEST_MIGRATION, migrationProvider } from "./migrations.js";
import type { Tables } from "./tables.js";

export type Dialect = "sqlite" | "postgres";

export interface StoreOptions {
  /** A SQLite file path, or a postgres:// URL. */
  location: string;
  /** SQLite only: `normal` survives a process crash, `full` also a power loss. */
  sqliteSynchronous?: "normal" | "full";
  /** PostgreSQL only: the schema to use (created if missing); tests give each run its own. */
  pgSchema?: string;
  /** PostgreSQL only: pool size. */
  pgPoolSize?: number;
}

/** The raw driver handle, for the few hot paths (ledger append) that bypass the query builder. */
export type RawHandle =
  | { dialect: "sqlite"; sqlite: Database.Database }
  | { dialect: "postgres"; pool: pg.Pool; schema: string };

/** One open database: the typed query builder for everything, the raw handle for hot paths. */
export interface Store {
  readonly dialect: Dialect;
  /** Where it is, safe to print (a Postgres password is masked). */
  readonly location: string;
  readonly db: Kysely<Tables>;
  readonly raw: RawHandle;
  close(): Promise<void>;
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

/** Opens the database and brings its schema up to date. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const store = isPostgresUrl(options.location) ? await openPostgres(options) : openSqlite(options);
  try {
    await migrate(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function openSqlite(options: StoreOptions): Store {
  let sqlite: Database.Database;
  try {
    if (options.location !== ":memory:") mkdirSync(dirname(options.location), { recursive: true });
    // A writer waits this long for another process's transaction before giving up.
    sqlite = new Database(options.location, { timeout: 30_000 });
    // Switching a new file to WAL needs a moment alone with it; another process creating
    // the same file gets SQLITE_BUSY without the busy handler, so wait for it here.
    retryWhileBusy(() => sqlite.pragma("journal_mode = WAL"));
    sqlite.pragma(`synchronous = ${options.sqliteSynchronous === "full" ? "FULL" : "NORMAL"}`);
    sqlite.pragma("foreign_keys = ON");
  } catch (cause) {
    throw new RampartError("E_DATABASE", `cannot open the SQLite database ${options.location}`, {
      hint: "check that the folder exists and is writable, and that the file is a SQLite database",
      cause,
    });
  }
  const db = new Kysely<Tables>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
  return {
    dialect: "sqlite",
    location: options.location,
    db,
    raw: { dialect: "sqlite", sqlite },
    close: async () => {
      await db.destroy(); // closes the better-sqlite3 handle too
    },
  };
}

/**
 * Kysely begins SQLite transactions with a plain (deferred) BEGIN. In WAL mode a deferred
 * transaction that reads and then writes fails at once with SQLITE_BUSY if another process
 * wrote in between, and two processes migrating a new file both see "not migrated yet".
 * BEGIN IMMEDIATE takes the write lock up front, so concurrent writers queue instead.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw("begin immediate"));
    };
    return driver;
  }
}

// BIGINT (int8) arrives as a string by default; ledger sequence numbers stay far below 2^53.
const pgTypes = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === 20
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
};

async function openPostgres(options: StoreOptions): Promise<Store> {
  const location = maskPassword(options.location);
  const schema = options.pgSchema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new RampartError("E_USAGE", `invalid PostgreSQL schema name "${schema}"`);
  }
  const pool = new pg.Pool({
    connectionString: options.location,
    max: options.pgPoolSize ?? 4,
    connectionTimeoutMillis: 5_000,
    types: pgTypes,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client that loses its server must not crash the process.
  pool.on("error", () => {});
  let resolvedSchema = schema;
  try {
    const client = await pool.connect();
    try {
      if (resolvedSchema === undefined) {
        const { rows } = await client.query<{ schema: string | null }>(
          "select current_schema() as schema",
        );
        resolvedSchema = rows[0]?.schema ?? undefined;
      }
    } finally {
      client.release();
    }
  } catch (cause) {
    await pool.end().catch(() => {});
    throw new RampartError(
      "E_DATABASE_UNREACHABLE",
      `cannot connect to PostgreSQL at ${location}`,
      {
        hint: "check that the server is running and the URL (RAMPART_DATABASE_URL or --db) is right",
        cause,
      },
    );
  }
  if (resolvedSchema === undefined) {
    await pool.end().catch(() => {});
    throw new RampartError("E_DATABASE", `no schema of the search_path exists in ${location}`, {
      hint: "create the schema first, or remove the search_path option from the URL",
    });
  }
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  return {
    dialect: "postgres",
    location,
    db,
    raw: { dialect: "postgres", pool, schema: resolvedSchema },
    close: async () => {
      await db.destroy(); // ends the pool
    },
  };
}

export function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "****";
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ":****@");
  }
}

/**
 * Brings the schema up to date under a lock that spans processes: Kysely's migrator takes no
 * lock on SQLite (no transactional DDL there), and on PostgreSQL two processes creating its
 * bookkeeping tables at once collide. SQLite: one BEGIN IMMEDIATE around the whole run.
 * PostgreSQL: a session advisory lock held on a dedicated connection while the run lasts.
 */
async function migrate(store: Store): Promise<void> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one: another
  // schema's tables in the same database would make it skip creating its own.
  const migrator = new Migrator({
    db: store.db,
    provider: migrationProvider,
    ...(store.raw.dialect === "postgres" ? { migrationTableSchema: store.raw.schema } : {}),
  });
  const upToDate = async (): Promise<boolean> =>
    (await migrator.getMigrations().catch(() => undefined))?.every(
      (m) => m.executedAt !== undefined,
    ) === true;
  if (await upToDate()) return;

  let result: Awaited<ReturnType<Migrator["migrateToLatest"]>> | undefined;
  if (store.raw.dialect === "sqlite") {
    const sqlite = store.raw.sqlite;
    sqlite.exec("begin immediate");
    try {
      result = await migrator.migrateToLatest();
    } finally {
      if (sqlite.inTransaction) {
        sqlite.exec(result === undefined || result.error !== undefined ? "rollback" : "commit");
      }
    }
  } else {
    const client = await store.raw.pool.connect();
    try {
      await client.query("select pg_advisory_lock(hashtext('rampart.migrate'))");
      await client.query(`create schema if not exists ${quoteIdent(store.raw.schema)}`);
      result = await migrator.migrateToLatest();
    } finally {
      await client.query("select pg_advisory_unlock(hashtext('rampart.migrate'))").catch(() => {});
      client.release();
    }
  }
  if (result.error !== undefined) {
    const failed =
      result.results?.find((r) => r.status === "Error")?.migrationName ?? LATEST_MIGRATION;
    throw new RampartError(
      "E_DATABASE",
      `database migration ${failed} failed on ${store.location}`,
      {
        hint: "the database may belong to a newer Rampart, or be damaged; back it up and inspect it",
        cause: result.error,
      },
    );
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function retryWhileBusy<T>(fn: () => T, timeoutMs = 30_000): T {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return fn();
    } catch (error) {
      const code = String((error as { code?: string }).code ?? "");
      if (!code.startsWith("SQLITE_BUSY") || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}
