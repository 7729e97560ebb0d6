import { type Kysely, sql } from "kysely";
import type { Dialect } from "../database.js";
import type { Tables } from "../tables.js";
import type { ChainState, Planned } from "./plan.js";
import { entryToRow, rowToCheckpoint } from "./rows.js";

/**
 * Appends inside a transaction the caller already holds (a registry change and the ledger entry
 * that records it commit together, or not at all). Slower than the raw drivers — it goes
 * through the query builder — and meant for the few state changes that must be atomic with
 * their record, not for high-rate appends.
 *
 * The write lock: on SQLite every Kysely transaction here begins IMMEDIATE, so it is held
 * already; on PostgreSQL the same advisory lock as the raw driver is taken for the rest of the
 * caller's transaction.
 */
export async function appendInTransaction(
  trx: Kysely<Tables>,
  dialect: Dialect,
  plan: (state: ChainState) => Planned,
): Promise<Planned> {
  if (dialect === "postgres") {
    await sql`select pg_advisory_xact_lock(hashtext(current_schema() || '.rampart.ledger'))`.execute(
      trx,
    );
  }
  const head = await trx
    .selectFrom("ledger_entries")
    .select(["seq", "hash"])
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
  const cp = await trx
    .selectFrom("ledger_checkpoints")
    .selectAll()
    .orderBy("n", "desc")
    .limit(1)
    .executeTakeFirst();
  const planned = plan({
    head: head === undefined ? null : { seq: Number(head.seq), hash: head.hash },
    lastCheckpoint: cp === undefined ? null : rowToCheckpoint(cp),
  });
  if (planned.entries.length > 0) {
    await trx.insertInto("ledger_entries").values(planned.entries.map(entryToRow)).execute();
  }
  for (const { v: _v, ...row } of planned.checkpoints) {
    await trx.insertInto("ledger_checkpoints").values(row).execute();
  }
  return planned;
}
