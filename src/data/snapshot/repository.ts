import type { Kysely, Selectable } from "kysely";
import { canonicalize, type DsseEnvelope, RampartError } from "../../core/index.js";
import type { Store, Tables } from "../../store/index.js";
import type { DataSnapshotTable } from "../../store/tables.js";
import { isSnapshotStatus, isTrustLevel, type SnapshotStatus } from "../sources/index.js";
import type { SnapshotFile, SnapshotRecord } from "./types.js";

/** The `data_snapshots` table. Status changes run inside the caller's transaction (`db`). */
type Db = Kysely<Tables>;
type Row = Selectable<DataSnapshotTable>;

/** Shortest id prefix accepted on the command line, as git does with 7+ (one more here). */
export const MIN_PREFIX = 8;

export async function insertSnapshot(db: Db, record: SnapshotRecord): Promise<void> {
  await db
    .insertInto("data_snapshots")
    .values({
      id: record.id,
      dataset: record.dataset,
      root_digest: record.rootDigest,
      source: record.source,
      trust: record.trust,
      contributor: record.contributor,
      parents: canonicalize(record.parents),
      files: canonicalize(record.files),
      rows: record.rows,
      envelope: canonicalize(record.envelope),
      key_id: record.keyId,
      status: record.status,
      status_changed_at: record.statusChangedAt,
      status_changed_by: record.statusChangedBy,
      status_reason: record.statusReason,
      created_at: record.createdAt,
      created_by: record.createdBy,
    })
    .execute();
}

export async function getSnapshot(db: Db, id: string): Promise<SnapshotRecord | undefined> {
  const row = await db
    .selectFrom("data_snapshots")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  return row === undefined ? undefined : fromRow(row);
}

/**
 * A snapshot by id or unique prefix (≥ MIN_PREFIX hex digits, like git). Undefined when
 * none matches; E_USAGE when the prefix is ambiguous or not a prefix at all.
 */
export async function findSnapshot(
  store: Pick<Store, "db">,
  ref: string,
): Promise<SnapshotRecord | undefined> {
  const prefix = ref.trim().toLowerCase();
  if (!/^[0-9a-f]+$/.test(prefix) || prefix.length > 64) {
    throw new RampartError("E_USAGE", `"${ref}" is not a snapshot id`, {
      hint: "a snapshot id is 64 hex digits (or a unique prefix of 8 or more); see `rampart data list`",
    });
  }
  if (prefix.length === 64) return getSnapshot(store.db, prefix);
  if (prefix.length < MIN_PREFIX) {
    throw new RampartError("E_USAGE", `snapshot id prefix "${ref}" is too short`, {
      hint: `give at least ${MIN_PREFIX} hex digits`,
    });
  }
  // The prefix is checked to be hex above, so it holds no LIKE wildcard to escape.
  const rows = await store.db
    .selectFrom("data_snapshots")
    .selectAll()
    .where("id", "like", `${prefix}%`)
    .limit(11)
    .execute();
  if (rows.length === 0) return undefined;
  if (rows.length > 1) {
    throw new RampartError("E_USAGE", `snapshot id prefix "${ref}" is ambiguous`, {
      hint: `it matches ${rows.length > 10 ? "more than 10" : rows.length} snapshots (${rows
        .slice(0, 3)
        .map((r) => r.id.slice(0, 16))
        .join(", ")}…): give more digits`,
      details: { matches: rows.map((r) => r.id) },
    });
  }
  return fromRow(rows[0] as Row);
}

/** Like findSnapshot, but E_NOT_FOUND when nothing matches. */
export async function requireSnapshot(
  store: Pick<Store, "db">,
  ref: string,
): Promise<SnapshotRecord> {
  const record = await findSnapshot(store, ref);
  if (record === undefined) {
    throw new RampartError("E_NOT_FOUND", `no dataset snapshot ${ref}`, {
      hint: "see `rampart data list` for the snapshots of this project",
    });
  }
  return record;
}

/** Oldest first, by dataset. */
export async function listSnapshots(
  store: Pick<Store, "db">,
  filter: { dataset?: string } = {},
): Promise<SnapshotRecord[]> {
  let query = store.db.selectFrom("data_snapshots").selectAll();
  if (filter.dataset !== undefined) query = query.where("dataset", "=", filter.dataset);
  const rows = await query.orderBy("dataset").orderBy("created_at").orderBy("id").execute();
  return rows.map(fromRow);
}

export interface StatusChange {
  to: SnapshotStatus;
  at: string;
  by: string;
  reason: string | null;
}

/**
 * Moves a snapshot from `from` to `change.to`; false when its status was no longer `from`
 * (a concurrent change won), so the caller's transaction can be abandoned.
 */
export async function setStatus(
  db: Db,
  id: string,
  from: SnapshotStatus,
  change: StatusChange,
): Promise<boolean> {
  const result = await db
    .updateTable("data_snapshots")
    .set({
      status: change.to,
      status_changed_at: change.at,
      status_changed_by: change.by,
      status_reason: change.reason,
    })
    .where("id", "=", id)
    .where("status", "=", from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

function fromRow(row: Row): SnapshotRecord {
  const label = `dataset snapshot ${row.id}`;
  if (!isSnapshotStatus(row.status) || !isTrustLevel(row.trust)) {
    throw new RampartError("E_DATABASE", `${label} has an unknown status or trust level`);
  }
  return {
    id: row.id,
    dataset: row.dataset,
    rootDigest: row.root_digest,
    source: row.source,
    trust: row.trust,
    contributor: row.contributor,
    parents: json<string[]>(row.parents, label),
    files: json<SnapshotFile[]>(row.files, label),
    // PostgreSQL returns bigint as text.
    rows: Number(row.rows),
    envelope: json<DsseEnvelope>(row.envelope, label),
    keyId: row.key_id,
    status: row.status,
    statusChangedAt: row.status_changed_at,
    statusChangedBy: row.status_changed_by,
    statusReason: row.status_reason,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

function json<T>(text: string, label: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new RampartError("E_DATABASE", `${label} has a malformed record`, { cause });
  }
}
