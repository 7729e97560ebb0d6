/**
 * npm run bench:ledger — the price of tamper evidence.
 *
 * For SQLite and PostgreSQL, single appends and batches of 1,000: ledger entries/s beside the
 * raw insert rate of the same rows (same columns, same JSON payload, same transaction shape)
 * into a plain table of the same database, without hashing, chaining or signing.
 * Targets: batched ledger append ≥ 50% of the raw batched insert; ≥ 50,000 entries/s on SQLite.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import type pg from "pg";
import { generateEd25519 } from "../src/core/index.js";
import { type LedgerEntryInput, LedgerWriter, openStore, type Store } from "../src/store/index.js";

const POSTGRES_URL =
  process.env.RAMPART_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const BATCH = 1_000;
const REPEATS = 3;

interface Workload {
  singles: number;
  batches: number;
}
const WORKLOAD: Record<"sqlite" | "postgres", Workload> = {
  sqlite: { singles: 20_000, batches: 100 },
  postgres: { singles: 3_000, batches: 40 },
};

/** A prediction-served event, the ledger's most frequent entry in production. */
function event(i: number): LedgerEntryInput {
  return {
    actor: `client-${i % 97}`,
    kind: "prediction.served",
    asset: { kind: "model", id: "fraud", version: "3" },
    payload: {
      request_id: `req-${i}`,
      features: [0.12, 3.4, 1200.5, 0, 1, 7, 0.003, 42],
      score: 0.9312,
      decision: "allow",
      latency_ms: 3.2,
    },
  };
}

interface Row {
  seq: number;
  time: string;
  actor: string;
  kind: string;
  asset_kind: string;
  asset_id: string;
  asset_version: string;
  payload: string;
}
function rawRow(i: number): Row {
  const e = event(i);
  return {
    seq: i + 1,
    time: new Date().toISOString(),
    actor: e.actor,
    kind: e.kind,
    asset_kind: "model",
    asset_id: "fraud",
    asset_version: "3",
    payload: JSON.stringify(e.payload),
  };
}

const PLAIN_TABLE = `create table plain_entries (seq bigint primary key, time text not null, actor text not null,
  kind text not null, asset_kind text, asset_id text, asset_version text, payload text not null)`;
const COLUMNS = [
  "seq",
  "time",
  "actor",
  "kind",
  "asset_kind",
  "asset_id",
  "asset_version",
  "payload",
] as const;

async function timed(count: number, fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return count / seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function repeat(fn: () => Promise<number>): Promise<number> {
  await fn(); // warm-up
  const rates: number[] = [];
  for (let r = 0; r < REPEATS; r++) rates.push(await fn());
  return median(rates);
}

/** Ledger side: a fresh writer per run, so each run appends onto a growing chain as in life. */
function ledgerSingles(store: Store, n: number, signer: ReturnType<typeof generateEd25519>) {
  return async (): Promise<number> => {
    const writer = new LedgerWriter(store, {
      signer,
      checkpoint: { everyEntries: 1000, everySeconds: 60 },
    });
    const rate = await timed(n, async () => {
      for (let i = 0; i < n; i++) await writer.appendOne(event(i));
    });
    await writer.close();
    return rate;
  };
}

function ledgerBatches(store: Store, batches: number, signer: ReturnType<typeof generateEd25519>) {
  return async (): Promise<number> => {
    const writer = new LedgerWriter(store, {
      signer,
      checkpoint: { everyEntries: 1000, everySeconds: 60 },
    });
    const rate = await timed(batches * BATCH, async () => {
      for (let b = 0; b < batches; b++) {
        await writer.append(Array.from({ length: BATCH }, (_, i) => event(b * BATCH + i)));
      }
    });
    await writer.close();
    return rate;
  };
}

/** Raw side, SQLite: the same prepared-statement, one-transaction-per-append shape. */
function sqliteRaw(sqlite: Database.Database) {
  sqlite.exec(PLAIN_TABLE);
  // Positional binding, as the ledger's own driver does: the fastest way to insert a row.
  const insert = sqlite.prepare(
    `insert into plain_entries (${COLUMNS.join(", ")}) values (${COLUMNS.map(() => "?").join(", ")})`,
  );
  const run = (r: Row) =>
    insert.run(
      r.seq,
      r.time,
      r.actor,
      r.kind,
      r.asset_kind,
      r.asset_id,
      r.asset_version,
      r.payload,
    );
  let next = 0;
  const one = sqlite.transaction((row: Row) => run(row));
  const many = sqlite.transaction((rows: Row[]) => {
    for (const row of rows) run(row);
  });
  return {
    singles: (n: number) => async () =>
      timed(n, async () => {
        for (let i = 0; i < n; i++) one.immediate({ ...rawRow(i), seq: ++next });
      }),
    batches: (batches: number) => async () =>
      timed(batches * BATCH, async () => {
        for (let b = 0; b < batches; b++) {
          many.immediate(
            Array.from({ length: BATCH }, (_, i) => ({ ...rawRow(b * BATCH + i), seq: ++next })),
          );
        }
      }),
  };
}

/** Raw side, PostgreSQL: one insert per transaction, and one unnest insert per batch. */
async function postgresRaw(pool: pg.Pool) {
  await pool.query(PLAIN_TABLE);
  let next = 0;
  const types = ["bigint", "text", "text", "text", "text", "text", "text", "text"];
  const batchSql = `insert into plain_entries (${COLUMNS.join(", ")}) select * from unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(", ")})`;
  const oneSql = `insert into plain_entries (${COLUMNS.join(", ")}) values (${COLUMNS.map((_, i) => `$${i + 1}`).join(", ")})`;
  return {
    singles: (n: number) => async () =>
      timed(n, async () => {
        for (let i = 0; i < n; i++) {
          const row = { ...rawRow(i), seq: ++next };
          await pool.query(
            oneSql,
            COLUMNS.map((c) => row[c]),
          );
        }
      }),
    batches: (batches: number) => async () =>
      timed(batches * BATCH, async () => {
        for (let b = 0; b < batches; b++) {
          const columns: (string | number)[][] = COLUMNS.map(() => []);
          for (let i = 0; i < BATCH; i++) {
            const row = { ...rawRow(b * BATCH + i), seq: ++next };
            for (let k = 0; k < COLUMNS.length; k++) columns[k]?.push(row[COLUMNS[k] as keyof Row]);
          }
          const client = await pool.connect();
          try {
            await client.query("begin");
            await client.query(batchSql, columns);
            await client.query("commit");
          } finally {
            client.release();
          }
        }
      }),
  };
}

interface Result {
  database: string;
  mode: string;
  ledger: number;
  raw: number;
}

async function benchSqlite(): Promise<Result[]> {
  const dir = mkdtempSync(join(tmpdir(), "rampart-bench-"));
  try {
    const store = await openStore({ location: join(dir, "rampart.db") });
    if (store.raw.dialect !== "sqlite") throw new Error("expected SQLite");
    const signer = generateEd25519();
    const raw = sqliteRaw(store.raw.sqlite);
    const w = WORKLOAD.sqlite;
    const results = [
      {
        database: "sqlite",
        mode: "single",
        ledger: await repeat(ledgerSingles(store, w.singles, signer)),
        raw: await repeat(raw.singles(w.singles)),
      },
      {
        database: "sqlite",
        mode: `batch ${BATCH}`,
        ledger: await repeat(ledgerBatches(store, w.batches, signer)),
        raw: await repeat(raw.batches(w.batches)),
      },
    ];
    await store.close();
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchPostgres(): Promise<Result[] | string> {
  const schema = `bench_${randomBytes(5).toString("hex")}`;
  let store: Store;
  try {
    store = await openStore({ location: POSTGRES_URL, pgSchema: schema });
  } catch (error) {
    return `unavailable (${(error as Error).message}); start PostgreSQL to measure it`;
  }
  if (store.raw.dialect !== "postgres") throw new Error("expected PostgreSQL");
  const pool = store.raw.pool;
  try {
    const signer = generateEd25519();
    const raw = await postgresRaw(pool);
    const w = WORKLOAD.postgres;
    return [
      {
        database: "postgres",
        mode: "single",
        ledger: await repeat(ledgerSingles(store, w.singles, signer)),
        raw: await repeat(raw.singles(w.singles)),
      },
      {
        database: "postgres",
        mode: `batch ${BATCH}`,
        ledger: await repeat(ledgerBatches(store, w.batches, signer)),
        raw: await repeat(raw.batches(w.batches)),
      },
    ];
  } finally {
    await pool.query(`drop schema ${schema} cascade`).catch(() => {});
    await store.close();
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");

console.log(
  `rampart bench:ledger — median of ${REPEATS} runs after a warm-up; entries/s (higher is better)`,
);
console.log(
  "raw = the same rows into a plain table of the same database, no hashing/chaining/signing\n",
);
const rows: Result[] = await benchSqlite();
const pgResult = await benchPostgres();
if (typeof pgResult === "string") console.log(`postgres: ${pgResult}`);
else rows.push(...pgResult);

console.log(
  [
    "database".padEnd(9),
    "mode".padEnd(11),
    "ledger/s".padStart(10),
    "raw/s".padStart(10),
    "ratio".padStart(6),
  ].join("  "),
);
for (const r of rows) {
  console.log(
    [
      r.database.padEnd(9),
      r.mode.padEnd(11),
      fmt(r.ledger).padStart(10),
      fmt(r.raw).padStart(10),
      `${((100 * r.ledger) / r.raw).toFixed(0)}%`.padStart(6),
    ].join("  "),
  );
}

console.log("\ntargets:");
let failed = false;
for (const r of rows.filter((x) => x.mode.startsWith("batch"))) {
  const ok = r.ledger >= 0.5 * r.raw;
  failed ||= !ok;
  console.log(
    `  ${ok ? "PASS" : "FAIL"}  ${r.database} batched ledger ≥ 50% of raw batched insert (${((100 * r.ledger) / r.raw).toFixed(0)}%)`,
  );
}
const sqliteBatch = rows.find((r) => r.database === "sqlite" && r.mode.startsWith("batch"));
if (sqliteBatch) {
  const ok = sqliteBatch.ledger >= 50_000;
  failed ||= !ok;
  console.log(
    `  ${ok ? "PASS" : "FAIL"}  sqlite batched ledger ≥ 50,000 entries/s (${fmt(sqliteBatch.ledger)})`,
  );
}
process.exitCode = failed ? 1 : 0;
