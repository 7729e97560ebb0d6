import type pg from "pg";
import type { LedgerCheckpointTable } from "../tables.js";
import type { LedgerDriver } from "./driver.js";
import { CHECKPOINT_COLUMNS, ENTRY_COLUMNS, entryToRow, rowToCheckpoint } from "./rows.js";

/**
 * Appends through node-postgres directly. A transaction-scoped advisory lock (one per schema)
 * serialises writers across processes and replicas before the head is read; a batch is one
 * `insert … select from unnest(…)` so 1,000 entries cost one round trip and one parse.
 */
interface HeadRow {
  seq: number;
  hash: string;
}

export function postgresLedgerDriver(pool: pg.Pool): LedgerDriver {
  const entryTypes = [
    "bigint",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
  ];
  const insertEntries = `insert into ledger_entries (${ENTRY_COLUMNS.join(", ")}) select * from unnest(${entryTypes.map((t, i) => `$${i + 1}::${t}[]`).join(", ")})`;
  const insertCheckpoint = `insert into ledger_checkpoints (${CHECKPOINT_COLUMNS.join(", ")}) values (${CHECKPOINT_COLUMNS.map((_, i) => `$${i + 1}`).join(", ")})`;

  return {
    async transact(plan) {
      const client = await pool.connect();
      let broken = false;
      try {
        // One round trip to open the transaction and take the lock, one to read the state.
        await client.query(
          "begin; select pg_advisory_xact_lock(hashtext(current_schema() || '.rampart.ledger'))",
        );
        const state = await client.query<{
          head: HeadRow | null;
          cp: LedgerCheckpointTable | null;
        }>(
          `select (select row_to_json(e) from (select seq, hash from ledger_entries order by seq desc limit 1) e) as head,
                  (select row_to_json(c) from (select * from ledger_checkpoints order by n desc limit 1) c) as cp`,
        );
        const headRow = state.rows[0]?.head ?? undefined;
        const cpRow = state.rows[0]?.cp ?? undefined;
        const planned = plan({
          head: headRow === undefined ? null : { seq: Number(headRow.seq), hash: headRow.hash },
          lastCheckpoint: cpRow === undefined ? null : rowToCheckpoint(cpRow),
        });
        if (planned.entries.length > 0) {
          const columns: (string | number | null)[][] = ENTRY_COLUMNS.map(() => []);
          for (const entry of planned.entries) {
            const row = entryToRow(entry);
            ENTRY_COLUMNS.forEach((name, i) => {
              columns[i]?.push(row[name]);
            });
          }
          await client.query(insertEntries, columns);
        }
        for (const c of planned.checkpoints) {
          await client.query(
            insertCheckpoint,
            CHECKPOINT_COLUMNS.map((name) => c[name]),
          );
        }
        await client.query("commit");
        return planned;
      } catch (error) {
        await client.query("rollback").catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
  };
}
