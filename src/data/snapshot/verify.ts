import { statSync } from "node:fs";
import { join } from "node:path";
import {
  atlas,
  canonicalize,
  createFinding,
  type EcdsaPublicKey,
  type Finding,
  owaspMl,
  verifyDsse,
} from "../../core/index.js";
import { snapshotAsset } from "./context.js";
import { rootDigest, sha256File } from "./digest.js";
import { PAYLOAD_TYPE, parseStatement, snapshotIdOf } from "./statement.js";
import type { SnapshotFile, SnapshotRecord, SnapshotStatement } from "./types.js";

/**
 * Checks a snapshot three ways: the DSSE signature under the trusted data key, the stored
 * row against the statement it was signed as (and the id against the statement's bytes),
 * and the files on disk against their signed digests. Any failure is a critical finding:
 * data that changed after it was vetted is exactly how poison gets into training
 * (ATLAS AML.T0020 Poison Training Data, via AML.T0010.002 supply chain: data; OWASP ML02).
 */
export type FileStatus = "ok" | "changed" | "missing";

export interface FileCheck {
  name: string;
  /** Where it was looked for. */
  path: string;
  status: FileStatus;
  expected: string;
  /** The digest found, when the file exists. */
  actual?: string;
}

export interface SnapshotVerification {
  id: string;
  verified: boolean;
  signature: { ok: boolean; keyId?: string; reason?: string };
  /** Fields where the stored row disagrees with the signed statement. */
  record: { ok: boolean; mismatches: string[] };
  files: FileCheck[];
  findings: Finding[];
  /** The statement, parsed from the envelope (trustworthy only when signature.ok). */
  statement?: SnapshotStatement;
}

export interface VerifyOptions {
  publicKey: EcdsaPublicKey;
  /** Look for the files under this folder (by their snapshot names) instead of their recorded paths. */
  root?: string;
}

export async function verifySnapshot(
  record: SnapshotRecord,
  options: VerifyOptions,
): Promise<SnapshotVerification> {
  const dsse = safely(() => verifyDsse(record.envelope, [options.publicKey], PAYLOAD_TYPE));
  const signature =
    dsse.value === undefined
      ? { ok: false, reason: dsse.error }
      : {
          ok: dsse.value.verified,
          ...(dsse.value.keyId === undefined ? {} : { keyId: dsse.value.keyId }),
          ...(dsse.value.reason === undefined ? {} : { reason: dsse.value.reason }),
        };
  const parsed =
    dsse.value === undefined ? undefined : safely(() => parseStatement(dsse.value.payload));
  const statement = parsed?.value;
  const mismatches: string[] = [];
  if (statement === undefined) {
    mismatches.push(`envelope: ${parsed?.error ?? dsse.error ?? "unreadable"}`);
  } else {
    if (dsse.value !== undefined && snapshotIdOf(dsse.value.payload) !== record.id) {
      mismatches.push("id (not the SHA-256 of the signed statement)");
    }
    mismatches.push(...recordMismatches(record, statement));
  }
  // Signed digests when the statement is readable; the row's otherwise (still worth a look).
  const expected = statement?.predicate.files ?? record.files;
  const files = await checkFiles(expected, options.root);

  const findings: Finding[] = [];
  const asset = snapshotAsset(record.dataset, record.id);
  const threats = [atlas("AML.T0020"), atlas("AML.T0010.002"), owaspMl("ML02")];
  if (!signature.ok) {
    findings.push(
      createFinding({
        detector: "data.snapshot.signature",
        title: "Dataset snapshot signature does not verify",
        severity: "critical",
        asset,
        threats,
        evidence: { reason: signature.reason ?? "invalid", trusted_key: options.publicKey.keyId },
        remediation:
          "treat the snapshot as untrusted: the manifest was altered or signed by another key; re-snapshot the data from a known-good copy",
      }),
    );
  }
  if (mismatches.length > 0) {
    findings.push(
      createFinding({
        detector: "data.snapshot.record",
        title: "Stored snapshot record disagrees with its signed statement",
        severity: "critical",
        asset,
        threats,
        evidence: { mismatches },
        remediation:
          "the database row was edited after signing; investigate who wrote it (rampart audit log) and restore it",
      }),
    );
  }
  const bad = files.filter((f) => f.status !== "ok");
  if (bad.length > 0) {
    findings.push(
      createFinding({
        detector: "data.snapshot.files",
        title: `${bad.length} dataset file(s) changed or missing since the snapshot`,
        severity: "critical",
        asset,
        threats,
        evidence: {
          files: bad.map((f) => ({
            name: f.name,
            path: f.path,
            status: f.status,
            expected: f.expected,
            ...(f.actual === undefined ? {} : { actual: f.actual }),
          })),
        },
        remediation:
          "do not train on it: restore the files from the snapshot's source, or take (and vet) a new snapshot if the change is legitimate",
      }),
    );
  }
  return {
    id: record.id,
    verified: findings.length === 0,
    signature,
    record: { ok: mismatches.length === 0, mismatches },
    files,
    findings,
    ...(statement === undefined ? {} : { statement }),
  };
}

/** Re-hashes files; a size change is enough to call a file changed without hashing it. */
export async function checkFiles(
  files: readonly SnapshotFile[],
  root?: string,
): Promise<FileCheck[]> {
  const checks: FileCheck[] = [];
  for (const file of files) {
    const path = root === undefined ? file.path : join(root, ...file.name.split("/"));
    let size: number;
    try {
      const stat = statSync(path);
      if (!stat.isFile()) throw new Error("not a file");
      size = stat.size;
    } catch {
      checks.push({ name: file.name, path, status: "missing", expected: file.sha256 });
      continue;
    }
    const actual = await sha256File(path);
    const status: FileStatus = size === file.size && actual === file.sha256 ? "ok" : "changed";
    checks.push({ name: file.name, path, status, expected: file.sha256, actual });
  }
  return checks;
}

/** Every field the row repeats from the statement, compared. */
export function recordMismatches(record: SnapshotRecord, statement: SnapshotStatement): string[] {
  const p = statement.predicate;
  const out: string[] = [];
  const same = (a: unknown, b: unknown) => canonicalize(a) === canonicalize(b);
  if (record.dataset !== p.dataset) out.push("dataset");
  if (record.rootDigest !== p.rootDigest.sha256) out.push("root digest");
  if (record.source !== p.source.name) out.push("source");
  if (record.trust !== p.source.trust) out.push("trust");
  if (record.contributor !== p.contributor) out.push("contributor");
  if (!same(record.parents, p.parents)) out.push("parents");
  if (record.rows !== p.rows) out.push("rows");
  if (!same(record.files, p.files)) out.push("files");
  if (record.createdAt !== p.createdAt) out.push("created at");
  if (record.createdBy !== p.createdBy) out.push("created by");
  // The statement must be consistent with itself too: subjects and root digest over its files.
  const subjects = p.files.map((f) => ({ name: f.name, digest: { sha256: f.sha256 } }));
  if (!same(subjects, statement.subject)) out.push("statement subjects");
  if (rootDigest(p.files) !== p.rootDigest.sha256) out.push("statement root digest");
  return out;
}

function safely<T>(
  fn: () => T,
): { value: T; error?: undefined } | { value?: undefined; error: string } {
  try {
    return { value: fn() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
