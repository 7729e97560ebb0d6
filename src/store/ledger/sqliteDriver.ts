import type Database from "better-sqlite3";
import type { LedgerCheckpointTable, LedgerEntryTable } from "../tables.js";
import type { LedgerDriver } from "./driver.js";
import type { ChainState, Planned } from "./plan.js";
import { CHECKPOINT_COLUMNS, ENTRY_COLUMNS, rowToCheckpoint } from "./rows.js";

/**
 * Appends through better-sqlite3 directly: prepared statements inside one
 * `BEGIN IMMEDIATE` transaction. IMMEDIATE takes the write lock before the head is read, so
 * two processes can never chain onto the same head; the other waits (busy timeout).
 */
export function sqliteLedgerDriver(sqlite: Database.Database): LedgerDriver {
  const insertEntry = sqlite.prepare(
    `insert into ledger_entries (${ENTRY_COLUMNS.join(", ")}) values (${ENTRY_COLUMNS.map(() => "?").join(", ")})`,
  );
  const insertCheckpoint = sqlite.prepare(
    `insert into ledger_checkpoints (${CHECKPOINT_COLUMNS.join(", ")}) values (${CHECKPOINT_COLUMNS.map((c) => `@${c}`).join(", ")})`,
  );
  const selectHead = sqlite.prepare(
    "select seq, hash from ledger_entries order by seq desc limit 1",
  );
  const selectLastCheckpoint = sqlite.prepare(
    "select * from ledger_checkpoints order by n desc limit 1",
  );

  const run = sqlite.transaction((plan: (state: ChainState) => Planned): Planned => {
    const head = selectHead.get() as Pick<LedgerEntryTable, "seq" | "hash"> | undefined;
    const cp = selectLastCheckpoint.get() as LedgerCheckpointTable | undefined;
    const planned = plan({
      head: head === undefined ? null : { seq: Number(head.seq), hash: head.hash },
      lastCheckpoint: cp === undefined ? null : rowToCheckpoint(cp),
    });
    // Positional binding: no per-row object to build and no name lookups on the hot path.
    for (const e of planned.entries) {
      insertEntry.run(
        e.seq,
        e.time,
        e.actor,
        e.kind,
        e.asset?.kind ?? null,
        e.asset?.id ?? null,
        e.asset?.version ?? null,
        e.payload,
        e.prev_hash,
        e.hash,
      );
    }
    for (const checkpoint of planned.checkpoints) {
      const { v: _v, ...row } = checkpoint;
      insertCheckpoint.run(row);
    }
    return planned;
  });

  return {
    transact: async (plan) => run.immediate(plan),
  };
}
