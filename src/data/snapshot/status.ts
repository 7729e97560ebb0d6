import { compareSeverity, type Finding, RampartError, type Severity } from "../../core/index.js";
import { saveFindings } from "../../store/index.js";
import type { SnapshotStatus } from "../sources/index.js";
import { nowIso, type SnapshotContext, snapshotAsset } from "./context.js";
import { getSnapshot, setStatus } from "./repository.js";
import type { SnapshotRecord } from "./types.js";

/**
 * Status changes of a snapshot, each with its ledger entry in the same transaction. The
 * caller has verified the snapshot first (signature, row, files): a snapshot whose data
 * changed since it was taken must not become usable.
 */

/** A vet passes when no finding is above this. */
export const VET_PASS_MAX: Severity = "low";

export interface StatusResult {
  outcome: "changed" | "unchanged";
  from: SnapshotStatus;
  to: SnapshotStatus;
  record: SnapshotRecord;
}

/**
 * Records a vet: passed (no finding above low) → quarantined becomes vetted; failed → the
 * snapshot is (back) in quarantine, whatever it was. The findings are saved either way.
 */
export async function recordVet(
  ctx: SnapshotContext,
  record: SnapshotRecord,
  findings: readonly Finding[],
  details: Record<string, unknown> = {},
): Promise<StatusResult & { passed: boolean; worst: Severity | null }> {
  const worst = findings.reduce<Severity | null>(
    (w, f) => (w === null || compareSeverity(f.severity, w) > 0 ? f.severity : w),
    null,
  );
  const passed = worst === null || compareSeverity(worst, VET_PASS_MAX) <= 0;
  await saveFindings(ctx.store, findings);
  const to: SnapshotStatus = passed
    ? record.status === "quarantined"
      ? "vetted"
      : record.status
    : "quarantined";
  const result = await changeStatus(ctx, record, to, {
    kind: "data.vet",
    reason: passed ? "vet passed" : `vet failed: findings up to ${worst}`,
    payload: {
      passed,
      max_severity: worst,
      findings: findings.length,
      finding_ids: findings
        .filter((f) => compareSeverity(f.severity, VET_PASS_MAX) > 0)
        .map((f) => f.id),
      ...details,
    },
    // A vet is recorded even when the status stays: it is evidence the data was looked at.
    recordUnchanged: true,
  });
  return { ...result, passed, worst };
}

/**
 * An approver's override: quarantined → approved. Only actors listed in
 * `data.approvers` may; a refusal is itself a ledger entry, then E_USAGE.
 */
export async function approveSnapshot(
  ctx: SnapshotContext,
  record: SnapshotRecord,
  reason: string,
): Promise<StatusResult> {
  await requireApprover(ctx, record, reason);
  if (record.status !== "quarantined") {
    return { outcome: "unchanged", from: record.status, to: record.status, record };
  }
  return changeStatus(ctx, record, "approved", {
    kind: "data.approve",
    reason,
    payload: {},
    recordUnchanged: false,
  });
}

/**
 * Refuses an empty reason, and an actor not in `data.approvers` (a `data.approve.refused`
 * ledger entry, then E_USAGE). Callers may run it before slower checks.
 */
export async function requireApprover(
  ctx: SnapshotContext,
  record: SnapshotRecord,
  reason: string,
): Promise<void> {
  if (reason.trim() === "") {
    throw new RampartError("E_USAGE", "--reason is empty", {
      hint: "say why the data may be used unvetted; it goes on the ledger",
    });
  }
  const approvers = ctx.config.data.approvers;
  if (approvers.includes(ctx.actor)) return;
  await ctx.ledger.append([
    {
      actor: ctx.actor,
      kind: "data.approve.refused",
      asset: snapshotAsset(record.dataset, record.id),
      payload: { status: record.status, reason, why: "not an approver" },
    },
  ]);
  throw new RampartError("E_USAGE", `${ctx.actor} may not approve dataset snapshots`, {
    hint:
      approvers.length === 0
        ? "nobody may: rampart.yaml data.approvers is empty. An admin adds actor names there (RAMPART_ACTOR, else user@host)"
        : `data.approvers in rampart.yaml lists ${approvers.join(", ")}; ask one of them`,
  });
}

async function changeStatus(
  ctx: SnapshotContext,
  record: SnapshotRecord,
  to: SnapshotStatus,
  entry: {
    kind: string;
    reason: string;
    payload: Record<string, unknown>;
    recordUnchanged: boolean;
  },
): Promise<StatusResult> {
  const from = record.status;
  const at = nowIso(ctx);
  const changed = from !== to;
  if (!changed && !entry.recordUnchanged) {
    return { outcome: "unchanged", from, to, record };
  }
  await ctx.store.db.transaction().execute(async (trx) => {
    if (changed) {
      const ok = await setStatus(trx, record.id, from, {
        to,
        at,
        by: ctx.actor,
        reason: entry.reason,
      });
      if (!ok) {
        throw new RampartError(
          "E_USAGE",
          `snapshot ${record.id.slice(0, 12)} changed status while this command ran`,
          { hint: "run it again" },
        );
      }
    }
    await ctx.ledger.appendWithin(trx, [
      {
        actor: ctx.actor,
        kind: entry.kind,
        asset: snapshotAsset(record.dataset, record.id),
        payload: {
          from,
          to,
          reason: entry.reason,
          root_digest: record.rootDigest,
          ...entry.payload,
        },
      },
    ]);
  });
  const after = (await getSnapshot(ctx.store.db, record.id)) ?? record;
  return { outcome: changed ? "changed" : "unchanged", from, to, record: after };
}
