import { type Finding, isRampartError } from "../../core/index.js";
import type { RegistryContext } from "./context.js";
import { ruleFinding } from "./findings.js";
import { checkStoredArtifact, type StoredFileCheck } from "./integrity.js";
import { formatModelRef } from "./names.js";
import { listModelVersions } from "./repository.js";

export interface VersionVerification {
  name: string;
  version: string;
  stage: string;
  encrypted: boolean;
  /** ok: every file intact; tampered: something changed; unreadable: no key to decrypt it. */
  status: "ok" | "tampered" | "unreadable";
  files: StoredFileCheck[];
  problems: string[];
}

export interface StoreVerification {
  verified: boolean;
  versions: VersionVerification[];
  findings: Finding[];
}

/**
 * Re-hashes (and decrypts) every stored artifact and holds it to its record. Tampering is a
 * critical finding per version and a ledger entry; a version that cannot be decrypted for
 * want of a key is reported as unreadable, never as intact.
 */
export async function verifyStoredModels(
  ctx: RegistryContext,
  filter: { name?: string } = {},
): Promise<StoreVerification> {
  const versions = await listModelVersions(ctx.store, filter);
  const results: VersionVerification[] = [];
  const findings: Finding[] = [];
  for (const version of versions) {
    const base = {
      name: version.name,
      version: version.version,
      stage: version.stage,
      encrypted: version.encrypted,
    };
    let integrity: Awaited<ReturnType<typeof checkStoredArtifact>>["integrity"];
    try {
      ({ integrity } = await checkStoredArtifact(version, ctx.blobs, ctx.kek));
    } catch (error) {
      if (!isRampartError(error) || error.code !== "E_KEY") throw error;
      results.push({ ...base, status: "unreadable", files: [], problems: [error.message] });
      continue;
    }
    results.push({
      ...base,
      status: integrity.ok ? "ok" : "tampered",
      files: integrity.files,
      problems: integrity.problems,
    });
    if (!integrity.ok) {
      findings.push(
        ruleFinding({
          detector: "model.verify",
          rule: "integrity",
          name: version.name,
          version: version.version,
          severity: "critical",
          title: `stored artifact of ${formatModelRef(version.name, version.version)} (${version.stage}) was tampered with: ${integrity.problems[0] ?? "changed"}`,
          evidence: {
            stage: version.stage,
            problems: integrity.problems.slice(0, 20),
            files: integrity.files.filter((f) => f.status !== "ok"),
          },
          remediation:
            "treat the blob store as compromised: preserve it, restore the blobs from a backup, and find who had write access; do not serve this version",
        }),
      );
    }
  }
  await ctx.saveFindings(findings);
  const tampered = results.filter((r) => r.status === "tampered");
  if (tampered.length > 0) {
    await ctx.record(
      tampered.map((r) => ({
        kind: "model.verify.failed",
        name: r.name,
        version: r.version,
        payload: { stage: r.stage, problems: r.problems.slice(0, 20) },
      })),
    );
  }
  return {
    verified: results.every((r) => r.status === "ok"),
    versions: results,
    findings,
  };
}
