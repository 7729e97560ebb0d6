import type { ColumnType, Generated } from "kysely";

/**
 * The tables Rampart keeps, as Kysely sees them. Times are ISO-8601 UTC text in both
 * databases: ledger hashes cover the exact string, so no database may reformat it.
 */
export interface LedgerEntryTable {
  seq: number;
  time: string;
  actor: string;
  kind: string;
  asset_kind: string | null;
  asset_id: string | null;
  asset_version: string | null;
  /** Canonical JSON (RFC 8785), the exact bytes the hash covers. */
  payload: string;
  prev_hash: string;
  hash: string;
}

export interface LedgerCheckpointTable {
  /** Checkpoint number, 1, 2, 3 … with no gaps. */
  n: number;
  /** The ledger entry this checkpoint seals. */
  seq: number;
  entry_hash: string;
  time: string;
  key_id: string;
  /** The checkpoint interval in force when it was signed; the verifier holds the next one to it. */
  every_entries: number;
  prev_hash: string;
  hash: string;
  signature: string;
}

export interface FindingTable {
  id: string;
  time: string;
  detector: string;
  title: string;
  severity: string;
  severity_rank: number;
  asset_kind: string;
  asset_id: string;
  asset_version: string | null;
  /** The whole finding, canonical JSON: what `findings list --json` prints back. */
  document: string;
  created_seq: Generated<number>;
}

/** A registered model version (src/model/registry); JSON columns are canonical JSON text. */
export interface ModelVersionTable {
  name: string;
  version: string;
  /** Registration order within the name: 1, 2, 3 … */
  seq: number;
  digest: string;
  /** Digest of the pack manifest in the blob store. */
  blob: string;
  /** 0 or 1: portable between SQLite and PostgreSQL. */
  encrypted: number;
  stage: string;
  files: string;
  signature: string | null;
  lineage: string;
  metrics: string;
  card: string | null;
  scan: string | null;
  scan_max_severity: string | null;
  created_at: string;
  created_by: string;
  stage_changed_at: string;
  /** Increments per name each time a version becomes production; rollback walks it back. */
  production_order: number | null;
  /** Set when a rollback took this version out of production; rollback never returns to it. */
  rolled_back_at: string | null;
}

/**
 * A dataset snapshot (src/data/snapshot). `envelope` is the signed DSSE envelope, JSON; the
 * other columns repeat what its statement says, plus the status, which changes over time.
 * JSON columns are canonical JSON text.
 */
export interface DataSnapshotTable {
  /** SHA-256 of the canonical statement bytes (the envelope's payload), hex. */
  id: string;
  dataset: string;
  root_digest: string;
  source: string;
  /** trusted | vetted | untrusted, at the time the snapshot was taken. */
  trust: string;
  contributor: string | null;
  /** Parent snapshot ids, canonical JSON list. */
  parents: string;
  /** [{ name, path, sha256, size, format, rows }], canonical JSON. */
  files: string;
  rows: number;
  envelope: string;
  key_id: string;
  /** quarantined | accepted | vetted | approved */
  status: string;
  status_changed_at: string;
  status_changed_by: string;
  status_reason: string | null;
  created_at: string;
  created_by: string;
}

export interface Tables {
  ledger_entries: LedgerEntryTable;
  ledger_checkpoints: LedgerCheckpointTable;
  findings: FindingTable;
  model_versions: ModelVersionTable;
  data_snapshots: DataSnapshotTable;
}

export type Timestamp = ColumnType<string, string, string>;
