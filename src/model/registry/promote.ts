import { type Finding, RampartError } from "../../core/index.js";
import type { RegistryContext } from "./context.js";
import { type ArtifactInspection, inspectArtifact } from "./inspect.js";
import { formatModelRef } from "./names.js";
import {
  currentProduction,
  findVersion,
  isUniqueViolation,
  nextProductionOrder,
  type StoredVersion,
  setStage,
} from "./repository.js";
import { evaluatePromotion, type RuleOutcome, refusalFindings } from "./rules.js";
import type { Stage } from "./types.js";
import type { VettingStatus } from "./vetting.js";

export type PromotionTarget = Extract<Stage, "staging" | "production">;

export interface PromoteResult {
  outcome: "promoted" | "refused" | "unchanged";
  /** The version as it stands after the command. */
  version: StoredVersion;
  from: Stage;
  to: PromotionTarget;
  /** The production version this promotion moved to archived. */
  archived?: string;
  rules: RuleOutcome[];
  /** One per unmet rule when refused; scan findings of the re-scan otherwise. */
  findings: Finding[];
  inspection?: ArtifactInspection;
}

/**
 * Promotes a version when, and only when, the policy holds on the stored artifact as it is
 * now: integrity re-checked, signature re-verified against today's trusted keys, artifact
 * re-scanned, datasets vetted. Promoting to production archives the version it replaces in
 * the same transaction; the database holds one production version per name.
 */
export async function promoteModel(
  ctx: RegistryContext,
  name: string,
  versionId: string,
  to: PromotionTarget,
): Promise<PromoteResult> {
  const version = await requireVersion(ctx, name, versionId);
  const from = version.stage;
  if (from === to) {
    return { outcome: "unchanged", version, from, to, rules: [], findings: [] };
  }
  if (from === "production") {
    throw new RampartError(
      "E_USAGE",
      `${formatModelRef(name, versionId)} is in production; promoting it to ${to} would leave no production version`,
      {
        hint: `promote another version to production, or run \`rampart model rollback ${name}\``,
      },
    );
  }

  const policy = ctx.policy;
  const inspection = await inspectArtifact(version, {
    blobs: ctx.blobs,
    kek: ctx.kek,
    config: ctx.config,
    trust: policy.trust,
    verifier: ctx.verifier,
    ...(version.signature === undefined ? {} : { bundle: version.signature.bundle }),
  });
  const datasets: { id: string; status: VettingStatus }[] = [];
  for (const id of version.lineage.datasets) {
    datasets.push({ id, status: await ctx.vetting.isVetted(id) });
  }
  const rules = evaluatePromotion(version, inspection, policy, datasets);
  const scanFindings = inspection.scan?.findings ?? [];
  await ctx.saveFindings(scanFindings);

  if (rules.some((r) => !r.ok)) {
    const findings = refusalFindings(version, to, rules);
    await ctx.saveFindings(findings);
    await ctx.record([
      {
        kind: "model.promote.refused",
        name,
        version: versionId,
        payload: {
          from,
          to,
          digest: version.digest,
          unmet: rules.filter((r) => !r.ok).map((r) => ({ rule: r.rule, message: r.message })),
        },
      },
    ]);
    return { outcome: "refused", version, from, to, rules, findings, inspection };
  }

  const at = ctx.now().toISOString();
  const scan =
    inspection.scan === undefined
      ? undefined
      : {
          maxSeverity: inspection.scan.maxSeverity,
          findings: inspection.scan.findings.length,
          scannedAt: inspection.scan.scannedAt,
        };
  // The ledger entries commit in the same transaction as the stage change they record.
  const entriesFor = (archived: string | undefined) => {
    const entries = [];
    if (archived !== undefined) {
      entries.push({
        kind: "model.archive",
        name,
        version: archived,
        payload: { from: "production", reason: `replaced by ${formatModelRef(name, versionId)}` },
      });
    }
    entries.push({
      kind: "model.promote",
      name,
      version: versionId,
      payload: {
        from,
        to,
        digest: version.digest,
        ...(archived === undefined ? {} : { replaced: archived }),
        checks: rules.map((r) => ({ rule: r.rule, message: r.message })),
        scan_max_severity: scan?.maxSeverity ?? null,
      },
    });
    return entries;
  };
  const archived = await applyPromotion(ctx, version, to, at, scan, entriesFor);
  const after = await requireVersion(ctx, name, versionId);
  return {
    outcome: "promoted",
    version: after,
    from,
    to,
    ...(archived === undefined ? {} : { archived }),
    rules,
    findings: scanFindings,
    inspection,
  };
}

/** The stage change itself, in one transaction; retried when a concurrent promotion raced it. */
async function applyPromotion(
  ctx: RegistryContext,
  version: StoredVersion,
  to: PromotionTarget,
  at: string,
  scan: StoredVersion["scan"],
  entriesFor: (archived: string | undefined) => Parameters<RegistryContext["recordWithin"]>[1],
): Promise<string | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ctx.store.db.transaction().execute(async (trx) => {
        if (to === "staging") {
          await setStage(trx, version.name, version.version, { stage: "staging", at, scan });
          await ctx.recordWithin(trx, entriesFor(undefined));
          return undefined;
        }
        const current = await currentProduction(trx, version.name);
        if (current !== undefined) {
          await setStage(trx, current.name, current.version, { stage: "archived", at });
        }
        await setStage(trx, version.name, version.version, {
          stage: "production",
          at,
          productionOrder: await nextProductionOrder(trx, version.name),
          // Promoting again on purpose, through the gate, clears an earlier rollback.
          rolledBackAt: null,
          scan,
        });
        await ctx.recordWithin(trx, entriesFor(current?.version));
        return current?.version;
      });
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= 4) throw error;
    }
  }
}

export async function requireVersion(
  ctx: RegistryContext,
  name: string,
  version: string,
): Promise<StoredVersion> {
  const found = await findVersion(ctx.store.db, name, version);
  if (found === undefined) {
    throw new RampartError("E_USAGE", `no model ${formatModelRef(name, version)} is registered`, {
      hint: "see rampart model list",
    });
  }
  return found;
}
