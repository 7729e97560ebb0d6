import type { AssetKind } from "../../core/index.js";
import type { Store } from "../database.js";
import type { Checkpoint } from "./checkpoint.js";
import type { LedgerEntry } from "./entry.js";
import { rowToCheckpoint, rowToEntry } from "./rows.js";

export interface LedgerQuery {
  asset?: { kind: AssetKind; id: string; version?: string };
  kind?: string;
  /** ISO-8601; entries at or after it. */
  since?: string;
  limit?: number;
  /** Newest first when true. */
  descending?: boolean;
}

/** Reads entries in seq order, a page at a time, so verifying a large ledger stays in bounded memory. */
export async function* readEntries(store: Store, pageSize = 5_000): AsyncGenerator<LedgerEntry> {
  let after = -1;
  for (;;) {
    const rows = await store.db
      .selectFrom("ledger_entries")
      .selectAll()
      .where("seq", ">", after)
      .orderBy("seq")
      .limit(pageSize)
      .execute();
    for (const row of rows) yield rowToEntry(row);
    if (rows.length < pageSize) return;
    after = Number((rows.at(-1) as { seq: number }).seq);
  }
}

export async function readCheckpoints(store: Store): Promise<Checkpoint[]> {
  const rows = await store.db.selectFrom("ledger_checkpoints").selectAll().orderBy("n").execute();
  return rows.map(rowToCheckpoint);
}

export async function queryEntries(store: Store, q: LedgerQuery): Promise<LedgerEntry[]> {
  let query = store.db.selectFrom("ledger_entries").selectAll();
  if (q.asset !== undefined) {
    query = query.where("asset_kind", "=", q.asset.kind).where("asset_id", "=", q.asset.id);
    if (q.asset.version !== undefined) query = query.where("asset_version", "=", q.asset.version);
  }
  if (q.kind !== undefined) query = query.where("kind", "=", q.kind);
  if (q.since !== undefined) query = query.where("time", ">=", q.since);
  query = query.orderBy("seq", q.descending ? "desc" : "asc");
  if (q.limit !== undefined) query = query.limit(q.limit);
  const rows = await query.execute();
  return rows.map(rowToEntry);
}

export async function countEntries(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom("ledger_entries")
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
