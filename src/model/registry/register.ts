import { readFileSync, statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { type Finding, RampartError } from "../../core/index.js";
import { DEFAULT_IGNORE_PATHS } from "../signing/index.js";
import { artifactWriter } from "./artifactBlobs.js";
import type { RegistryContext } from "./context.js";
import { ruleFinding } from "./findings.js";
import { type ArtifactInspection, inspectArtifact } from "./inspect.js";
import { checkModelName, checkVersion, formatModelRef, parseModelRef } from "./names.js";
import { packArtifact } from "./pack.js";
import {
  findVersion,
  insertVersion,
  isUniqueViolation,
  nextVersion,
  type StoredVersion,
} from "./repository.js";
import { relabelFindings } from "./scanArtifact.js";
import type { ModelVersion } from "./types.js";

export interface RegisterInput {
  /** The model file or folder. */
  path: string;
  name: string;
  /** Default: one past the highest integer version of the name. */
  version?: string;
  /** Dataset snapshot ids the model was trained on. */
  datasets?: string[];
  metrics?: Record<string, number>;
  /** A Sigstore bundle (OpenSSF model signature) over the model. */
  signaturePath?: string;
  gitCommit?: string;
  parameters?: Record<string, unknown>;
  /** `NAME@VERSION` of the model this one was trained from. */
  parent?: string;
  card?: { task?: string; architecture?: string; description?: string };
}

export interface RegisterResult {
  /** False when the registration was refused (a signature that does not verify). */
  ok: boolean;
  version: ModelVersion;
  /** Scan findings of the stored artifact, or the refusal. */
  findings: Finding[];
  inspection: ArtifactInspection;
}

/**
 * Registers a model: copies it into the blob store (encrypted when the policy says so),
 * verifies its signature and scans it on the stored copy, and records the version. A
 * signature that does not verify refuses the registration; scan findings do not (they are
 * recorded, and the promotion gate weighs them).
 */
export async function registerModel(
  ctx: RegistryContext,
  input: RegisterInput,
): Promise<RegisterResult> {
  const name = checkModelName(input.name);
  const explicitVersion = input.version === undefined ? undefined : checkVersion(input.version);
  const lineage = checkLineage(input);
  const encrypt = ctx.config.models.encrypt_at_rest;
  if (encrypt && ctx.kek === undefined) {
    throw new RampartError(
      "E_KEY",
      "models.encrypt_at_rest is on, but no key-encryption key is set (RAMPART_KEK_FILE)",
      {
        hint: "set RAMPART_KEK_FILE to a file of 32 random bytes (raw, hex or base64), e.g. `openssl rand 32 > kek.bin`, kept off this disk",
      },
    );
  }
  const modelPath = resolve(input.path);
  const bundle = input.signaturePath === undefined ? undefined : readBundle(input.signaturePath);
  // Fails fast on the policy's key files before any copying.
  const trust = bundle === undefined ? { keys: [], roots: [], identities: [] } : ctx.policy.trust;
  if (explicitVersion !== undefined && (await findVersion(ctx.store.db, name, explicitVersion))) {
    throw duplicate(name, explicitVersion);
  }

  const exclude = excludedPaths(modelPath, input.signaturePath);
  const packed = await packArtifact(
    modelPath,
    artifactWriter(ctx.blobs, encrypt ? ctx.kek : undefined),
    ctx.blobs,
    { exclude },
  );
  const now = ctx.now().toISOString();
  let version: ModelVersion = {
    name,
    version: explicitVersion ?? (await nextVersion(ctx.store.db, name)).version,
    digest: packed.digest,
    files: packed.files,
    blob: packed.blob,
    encrypted: packed.manifest.encryption !== null,
    lineage,
    metrics: input.metrics ?? {},
    ...(input.card === undefined ? {} : { card: input.card }),
    stage: "none",
    createdAt: now,
    createdBy: ctx.actor,
  };

  const inspection = await inspectArtifact(version, {
    blobs: ctx.blobs,
    kek: ctx.kek,
    config: ctx.config,
    trust,
    verifier: ctx.verifier,
    ...(bundle === undefined ? {} : { bundle }),
  });
  if (!inspection.integrity.ok) {
    // Just written and already different: the disk or the store is failing under us.
    throw new RampartError(
      "E_IO",
      `the copy of ${input.path} in the blob store does not read back intact: ${inspection.integrity.problems.join("; ")}`,
      { hint: `check the disk under ${ctx.blobs.root}` },
    );
  }
  const signature = inspection.signature;
  if (bundle !== undefined && signature?.verified !== true) {
    const finding = ruleFinding({
      detector: "model.register",
      rule: "signature.trusted",
      name,
      version: version.version,
      severity: "high",
      title: `registration of ${formatModelRef(name, version.version)} refused: its signature does not verify against a trusted key or identity`,
      evidence: {
        signature: input.signaturePath,
        problems: signature?.problems ?? [],
        files: (signature?.files ?? []).filter((f) => f.status !== "ok"),
      },
      remediation:
        "sign the exact files being registered with a trusted key, or add the signer to models.promotion.trusted_keys / trusted_identities",
    });
    await ctx.saveFindings([finding]);
    await ctx.record([
      {
        kind: "model.register.refused",
        name,
        version: version.version,
        payload: {
          digest: version.digest,
          reason: "signature",
          problems: signature?.problems ?? [],
        },
      },
    ]);
    return { ok: false, version, findings: [finding], inspection };
  }

  if (signature?.verified === true && bundle !== undefined) {
    version.signature = {
      bundle,
      signer: { ...signature.signer },
      verifiedAt: now,
    };
    if (signature.rootDigest !== undefined) version.digest = signature.rootDigest;
  }
  const scan = inspection.scan;
  if (scan !== undefined) {
    version.scan = {
      maxSeverity: scan.maxSeverity,
      findings: scan.findings.length,
      scannedAt: scan.scannedAt,
    };
  }

  // The ledger entry commits in the same transaction as the record it describes.
  const entryFor = (v: ModelVersion) => ({
    kind: "model.register",
    name,
    version: v.version,
    payload: {
      digest: v.digest,
      blob: v.blob,
      encrypted: v.encrypted,
      files: v.files.length,
      bytes: v.files.reduce((sum, f) => sum + f.size, 0),
      signed: v.signature !== undefined,
      ...(v.signature === undefined ? {} : { signer: v.signature.signer }),
      scan: {
        max_severity: scan?.maxSeverity ?? null,
        findings: scan?.findings.length ?? 0,
        errors: scan?.errors.length ?? 0,
      },
      lineage: v.lineage,
    },
  });
  version = await insertWithVersion(ctx, version, explicitVersion !== undefined, entryFor);
  const findings =
    scan === undefined ? [] : relabelFindings(scan.findings, version.name, version.version);
  await ctx.saveFindings(findings);
  return { ok: true, version, findings, inspection };
}

/**
 * Inserts the record. With a defaulted version, a concurrent registration of the same name
 * may take the number first: take the next one (a few times) rather than fail.
 */
async function insertWithVersion(
  ctx: RegistryContext,
  version: ModelVersion,
  explicit: boolean,
  entryFor: (version: ModelVersion) => Parameters<RegistryContext["recordWithin"]>[1][number],
): Promise<StoredVersion> {
  for (let attempt = 0; ; attempt++) {
    try {
      await ctx.store.db.transaction().execute(async (trx) => {
        const next = await nextVersion(trx, version.name);
        if (!explicit) version.version = next.version;
        await insertVersion(trx, version, next.seq);
        await ctx.recordWithin(trx, [entryFor(version)]);
      });
      break;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if (explicit) throw duplicate(version.name, version.version);
      if (attempt >= 4) throw error;
    }
  }
  const stored = await findVersion(ctx.store.db, version.name, version.version);
  if (stored === undefined) {
    throw new RampartError("E_DATABASE", `model ${version.name}@${version.version} vanished`);
  }
  return stored;
}

function checkLineage(input: RegisterInput): ModelVersion["lineage"] {
  const datasets = [...new Set(input.datasets ?? [])];
  for (const id of datasets) {
    if (id.trim() === "" || id.length > 512) {
      throw new RampartError("E_USAGE", `"${id}" is not a dataset snapshot id`);
    }
  }
  const lineage: ModelVersion["lineage"] = { datasets };
  if (input.gitCommit !== undefined) {
    if (!/^[0-9a-f]{7,64}$/i.test(input.gitCommit)) {
      throw new RampartError("E_USAGE", `--git-commit "${input.gitCommit}" is not a commit hash`, {
        hint: "give the hex commit id, e.g. $(git rev-parse HEAD)",
      });
    }
    lineage.gitCommit = input.gitCommit.toLowerCase();
  }
  if (input.parameters !== undefined && Object.keys(input.parameters).length > 0) {
    lineage.parameters = input.parameters;
  }
  if (input.parent !== undefined) {
    const parent = parseModelRef(input.parent);
    lineage.parent = formatModelRef(parent.name, parent.version);
  }
  return lineage;
}

function readBundle(path: string): string {
  try {
    if (statSync(path).size > 16 * 1024 * 1024) {
      throw new RampartError("E_USAGE", `${path} is too large to be a model signature`);
    }
    return readFileSync(path, "utf8");
  } catch (cause) {
    if (cause instanceof RampartError) throw cause;
    throw new RampartError("E_USAGE", `cannot read the signature ${path}`, {
      hint: "give the Sigstore bundle written by `rampart model sign` (model.sig)",
      cause,
    });
  }
}

/**
 * The signature file (when inside the model folder), and the git files that model signing
 * leaves out of every signature by default: packing them would register files no signature
 * covers (and a whole repository history beside the weights).
 */
function excludedPaths(modelPath: string, signaturePath: string | undefined): string[] {
  const exclude = DEFAULT_IGNORE_PATHS.map((p) => join(modelPath, p));
  if (signaturePath !== undefined) {
    const sig = resolve(signaturePath);
    const rel = relative(modelPath, sig);
    if (rel !== "" && !rel.startsWith("..") && !isAbsolute(rel)) exclude.push(sig);
  }
  return exclude;
}

function duplicate(name: string, version: string): RampartError {
  return new RampartError("E_USAGE", `model ${name}@${version} is already registered`, {
    hint: "versions are immutable: register under another --version, or leave it out for the next number",
  });
}
