import type { Kysely, Selectable } from "kysely";
import { canonicalize, isSeverity, RampartError } from "../../core/index.js";
import type { Store, Tables } from "../../store/index.js";
import type { ModelVersionTable } from "../../store/tables.js";
import type { ModelVersion } from "./types.js";
import { STAGES, type Stage } from "./types.js";

/**
 * The `model_versions` table: reading and writing ModelVersion records. Stage changes that
 * must be atomic (promotion, rollback) run inside the caller's transaction, through `db`.
 */
type Db = Kysely<Tables>;
type Row = Selectable<ModelVersionTable>;

export interface StoredVersion extends ModelVersion {
  /** Registration order within the name. */
  seq: number;
  stageChangedAt: string;
  productionOrder: number | null;
  rolledBackAt: string | null;
}

export async function getModelVersion(
  store: Pick<Store, "db">,
  name: string,
  version: string,
): Promise<StoredVersion | undefined> {
  return findVersion(store.db, name, version);
}

export async function findVersion(
  db: Db,
  name: string,
  version: string,
): Promise<StoredVersion | undefined> {
  const row = await db
    .selectFrom("model_versions")
    .selectAll()
    .where("name", "=", name)
    .where("version", "=", version)
    .executeTakeFirst();
  return row === undefined ? undefined : fromRow(row);
}

/** Newest registration last within a name; names in order. */
export async function listModelVersions(
  store: Pick<Store, "db">,
  filter: { name?: string } = {},
): Promise<StoredVersion[]> {
  let query = store.db.selectFrom("model_versions").selectAll();
  if (filter.name !== undefined) query = query.where("name", "=", filter.name);
  const rows = await query.orderBy("name").orderBy("seq").execute();
  return rows.map(fromRow);
}

/** The next registration number, and the default version: one past the highest integer version. */
export async function nextVersion(db: Db, name: string): Promise<{ seq: number; version: string }> {
  const rows = await db
    .selectFrom("model_versions")
    .select(["seq", "version"])
    .where("name", "=", name)
    .execute();
  let seq = 0;
  let highest = 0;
  for (const row of rows) {
    seq = Math.max(seq, row.seq);
    if (/^[1-9][0-9]{0,14}$/.test(row.version)) highest = Math.max(highest, Number(row.version));
  }
  return { seq: seq + 1, version: String(highest + 1) };
}

export async function insertVersion(db: Db, version: ModelVersion, seq: number): Promise<void> {
  await db
    .insertInto("model_versions")
    .values({
      name: version.name,
      version: version.version,
      seq,
      digest: version.digest,
      blob: version.blob,
      encrypted: version.encrypted ? 1 : 0,
      stage: version.stage,
      files: canonicalize(version.files),
      signature: version.signature === undefined ? null : canonicalize(version.signature),
      lineage: canonicalize(version.lineage),
      metrics: canonicalize(version.metrics),
      card: version.card === undefined ? null : canonicalize(version.card),
      scan: version.scan === undefined ? null : canonicalize(version.scan),
      scan_max_severity: version.scan?.maxSeverity ?? null,
      created_at: version.createdAt,
      created_by: version.createdBy,
      stage_changed_at: version.createdAt,
      production_order: null,
      rolled_back_at: null,
    })
    .execute();
}

export async function currentProduction(db: Db, name: string): Promise<StoredVersion | undefined> {
  const row = await db
    .selectFrom("model_versions")
    .selectAll()
    .where("name", "=", name)
    .where("stage", "=", "production")
    .executeTakeFirst();
  return row === undefined ? undefined : fromRow(row);
}

/** The version that was in production before `before`, and was not itself rolled back. */
export async function previousProduction(
  db: Db,
  name: string,
  before: number,
): Promise<StoredVersion | undefined> {
  const row = await db
    .selectFrom("model_versions")
    .selectAll()
    .where("name", "=", name)
    .where("stage", "=", "archived")
    .where("production_order", "<", before)
    .where("rolled_back_at", "is", null)
    .orderBy("production_order", "desc")
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : fromRow(row);
}

export async function nextProductionOrder(db: Db, name: string): Promise<number> {
  const row = await db
    .selectFrom("model_versions")
    .select((eb) => eb.fn.max("production_order").as("top"))
    .where("name", "=", name)
    .executeTakeFirst();
  return Number(row?.top ?? 0) + 1;
}

export interface StageChange {
  stage: Stage;
  at: string;
  productionOrder?: number;
  /** Set (rollback) or cleared (a deliberate promotion) when given. */
  rolledBackAt?: string | null;
  scan?: ModelVersion["scan"];
}

export async function setStage(
  db: Db,
  name: string,
  version: string,
  change: StageChange,
): Promise<void> {
  await db
    .updateTable("model_versions")
    .set({
      stage: change.stage,
      stage_changed_at: change.at,
      ...(change.productionOrder === undefined ? {} : { production_order: change.productionOrder }),
      ...(change.rolledBackAt === undefined ? {} : { rolled_back_at: change.rolledBackAt }),
      ...(change.scan === undefined
        ? {}
        : { scan: canonicalize(change.scan), scan_max_severity: change.scan.maxSeverity }),
    })
    .where("name", "=", name)
    .where("version", "=", version)
    .execute();
}

/** A unique-constraint violation on either database (a concurrent writer won a race). */
export function isUniqueViolation(error: unknown): boolean {
  const code = String((error as { code?: unknown } | null)?.code ?? "");
  return (
    code === "23505" ||
    code.startsWith("SQLITE_CONSTRAINT_UNIQUE") ||
    code === "SQLITE_CONSTRAINT_PRIMARYKEY"
  );
}

function fromRow(row: Row): StoredVersion {
  const label = `${row.name}@${row.version}`;
  const stage = row.stage as Stage;
  if (!(STAGES as readonly string[]).includes(stage)) {
    throw new RampartError("E_DATABASE", `model ${label} has an unknown stage "${row.stage}"`);
  }
  const version: StoredVersion = {
    name: row.name,
    version: row.version,
    digest: row.digest,
    files: json(row.files, label),
    blob: row.blob,
    encrypted: row.encrypted === 1,
    lineage: json(row.lineage, label),
    metrics: json(row.metrics, label),
    stage,
    createdAt: row.created_at,
    createdBy: row.created_by,
    seq: row.seq,
    stageChangedAt: row.stage_changed_at,
    productionOrder: row.production_order,
    rolledBackAt: row.rolled_back_at,
  };
  if (row.signature !== null) version.signature = json(row.signature, label);
  if (row.card !== null) version.card = json(row.card, label);
  if (row.scan !== null) {
    const scan = json<NonNullable<ModelVersion["scan"]>>(row.scan, label);
    if (scan.maxSeverity !== null && !isSeverity(scan.maxSeverity)) {
      throw new RampartError("E_DATABASE", `model ${label} has a malformed scan record`);
    }
    version.scan = scan;
  }
  return version;
}

function json<T>(text: string, label: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new RampartError("E_DATABASE", `model ${label} has a malformed record`, { cause });
  }
}
