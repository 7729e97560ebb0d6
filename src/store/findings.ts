import { canonicalize, type Finding, type Severity, severityRank } from "../core/index.js";
import type { Store } from "./database.js";

export interface FindingQuery {
  minSeverity?: Severity;
  detector?: string;
  asset?: { kind: string; id: string };
  limit?: number;
}

/** Stores findings; one that is already stored (same id) is left as it was. */
export async function saveFindings(store: Store, findings: readonly Finding[]): Promise<void> {
  if (findings.length === 0) return;
  await store.db
    .insertInto("findings")
    .values(
      findings.map((f) => ({
        id: f.id,
        time: f.time,
        detector: f.detector,
        title: f.title,
        severity: f.severity,
        severity_rank: severityRank(f.severity),
        asset_kind: f.asset.kind,
        asset_id: f.asset.id,
        asset_version: f.asset.version ?? null,
        document: canonicalize(f),
      })),
    )
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
}

/** Most severe first, then newest first. */
export async function listFindings(store: Store, q: FindingQuery = {}): Promise<Finding[]> {
  let query = store.db.selectFrom("findings").select("document");
  if (q.minSeverity !== undefined) {
    query = query.where("severity_rank", ">=", severityRank(q.minSeverity));
  }
  if (q.detector !== undefined) query = query.where("detector", "=", q.detector);
  if (q.asset !== undefined) {
    query = query.where("asset_kind", "=", q.asset.kind).where("asset_id", "=", q.asset.id);
  }
  query = query.orderBy("severity_rank", "desc").orderBy("time", "desc").orderBy("id");
  if (q.limit !== undefined) query = query.limit(q.limit);
  const rows = await query.execute();
  return rows.map((r) => JSON.parse(r.document) as Finding);
}
