import type { AssetKind } from "../../core/index.js";
import type { LedgerCheckpointTable, LedgerEntryTable } from "../tables.js";
import type { Checkpoint } from "./checkpoint.js";
import type { LedgerEntry } from "./entry.js";

/** Mapping between ledger objects and table rows, shared by both drivers and the reader. */
export function entryToRow(e: LedgerEntry): LedgerEntryTable {
  return {
    seq: e.seq,
    time: e.time,
    actor: e.actor,
    kind: e.kind,
    asset_kind: e.asset?.kind ?? null,
    asset_id: e.asset?.id ?? null,
    asset_version: e.asset?.version ?? null,
    payload: e.payload,
    prev_hash: e.prev_hash,
    hash: e.hash,
  };
}

export function rowToEntry(r: LedgerEntryTable): LedgerEntry {
  // A row whose asset columns are half-filled was edited outside Rampart; keep what is
  // there so the hash check, not this mapping, reports it.
  const asset =
    r.asset_kind === null && r.asset_id === null
      ? null
      : {
          kind: (r.asset_kind ?? "") as AssetKind,
          id: r.asset_id ?? "",
          ...(r.asset_version === null ? {} : { version: r.asset_version }),
        };
  return {
    seq: Number(r.seq),
    time: r.time,
    actor: r.actor,
    kind: r.kind,
    asset,
    payload: r.payload,
    prev_hash: r.prev_hash,
    hash: r.hash,
  };
}

export function rowToCheckpoint(r: LedgerCheckpointTable): Checkpoint {
  return {
    v: 1,
    n: Number(r.n),
    seq: Number(r.seq),
    entry_hash: r.entry_hash,
    time: r.time,
    key_id: r.key_id,
    every_entries: Number(r.every_entries),
    prev_hash: r.prev_hash,
    hash: r.hash,
    signature: r.signature,
  };
}

export const ENTRY_COLUMNS = [
  "seq",
  "time",
  "actor",
  "kind",
  "asset_kind",
  "asset_id",
  "asset_version",
  "payload",
  "prev_hash",
  "hash",
] as const;

export const CHECKPOINT_COLUMNS = [
  "n",
  "seq",
  "entry_hash",
  "time",
  "key_id",
  "every_entries",
  "prev_hash",
  "hash",
  "signature",
] as const;
