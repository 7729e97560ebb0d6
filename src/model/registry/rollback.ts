import { type Finding, RampartError } from "../../core/index.js";
import type { RegistryContext } from "./context.js";
import { ruleFinding } from "./findings.js";
import { checkStoredArtifact, type IntegrityReport } from "./integrity.js";
import { checkModelName, formatModelRef } from "./names.js";
import { requireVersion } from "./promote.js";
import {
  currentProduction,
  previousProduction,
  type StoredVersion,
  setStage,
} from "./repository.js";

export interface RollbackResult {
  ok: boolean;
  /** The version taken out of production. */
  from: StoredVersion;
  /** The version restored to production (as it stands after the command). */
  to: StoredVersion;
  integrity: IntegrityReport;
  findings: Finding[];
}

/**
 * Puts the previous production version back in one step, for when the current one turns out
 * bad. It skips the promotion gate on purpose (the version already passed it, and an
 * incident is no time to wait on a re-scan) but not the integrity check: restoring an
 * artifact that was tampered with since would swap one bad model for another. The version
 * rolled back from is archived and marked, so a second rollback walks further back instead
 * of returning to it.
 */
export async function rollbackModel(ctx: RegistryContext, name: string): Promise<RollbackResult> {
  checkModelName(name);
  const current = await currentProduction(ctx.store.db, name);
  if (current === undefined) {
    throw new RampartError("E_USAGE", `model ${name} has no production version to roll back`, {
      hint: "see rampart model list --name NAME",
    });
  }
  const previous = await previousProduction(
    ctx.store.db,
    name,
    current.productionOrder ?? Number.MAX_SAFE_INTEGER,
  );
  if (previous === undefined) {
    throw new RampartError(
      "E_USAGE",
      `model ${name} has no earlier production version to roll back to`,
      { hint: `archive ${formatModelRef(name, current.version)} or promote another version` },
    );
  }
  const { integrity } = await checkStoredArtifact(previous, ctx.blobs, ctx.kek);
  if (!integrity.ok) {
    const finding = ruleFinding({
      detector: "model.rollback",
      rule: "integrity",
      name,
      version: previous.version,
      severity: "critical",
      title: `rollback of ${name} to ${previous.version} refused: the stored artifact changed since registration`,
      evidence: {
        problems: integrity.problems,
        files: integrity.files.filter((f) => f.status !== "ok"),
      },
      remediation:
        "treat the blob store as compromised; promote a version that verifies (rampart model verify --all lists them)",
    });
    await ctx.saveFindings([finding]);
    await ctx.record([
      {
        kind: "model.rollback.refused",
        name,
        version: previous.version,
        payload: { from: current.version, to: previous.version, problems: integrity.problems },
      },
    ]);
    return { ok: false, from: current, to: previous, integrity, findings: [finding] };
  }

  const at = ctx.now().toISOString();
  await ctx.store.db.transaction().execute(async (trx) => {
    await setStage(trx, name, current.version, { stage: "archived", at, rolledBackAt: at });
    await setStage(trx, name, previous.version, { stage: "production", at });
    await ctx.recordWithin(trx, [
      {
        kind: "model.rollback",
        name,
        version: previous.version,
        payload: { from: current.version, to: previous.version, digest: previous.digest },
      },
    ]);
  });
  return {
    ok: true,
    from: await requireVersion(ctx, name, current.version),
    to: await requireVersion(ctx, name, previous.version),
    integrity,
    findings: [],
  };
}

/** Retires a version. The production version is retired by promoting or rolling back. */
export async function archiveModel(
  ctx: RegistryContext,
  name: string,
  version: string,
): Promise<{ changed: boolean; version: StoredVersion }> {
  const found = await requireVersion(ctx, name, version);
  if (found.stage === "archived") return { changed: false, version: found };
  if (found.stage === "production") {
    throw new RampartError(
      "E_USAGE",
      `${formatModelRef(name, version)} is in production; archiving it would leave none`,
      { hint: `promote another version to production, or run \`rampart model rollback ${name}\`` },
    );
  }
  const at = ctx.now().toISOString();
  await ctx.store.db.transaction().execute(async (trx) => {
    await setStage(trx, name, version, { stage: "archived", at });
    await ctx.recordWithin(trx, [
      { kind: "model.archive", name, version, payload: { from: found.stage, reason: "archived" } },
    ]);
  });
  return { changed: true, version: await requireVersion(ctx, name, version) };
}
