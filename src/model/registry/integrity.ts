import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isRampartError } from "../../core/index.js";
import type { Kek } from "../../store/blobs/encryptedBlobStore.js";
import { type BlobStore, hashingTap } from "../../store/index.js";
import { artifactReader } from "./artifactBlobs.js";
import { type PackManifest, parseManifest } from "./manifest.js";
import { formatModelRef } from "./names.js";
import type { ModelVersion } from "./types.js";

export type StoredFileStatus = "ok" | "changed" | "missing" | "extra";

export interface StoredFileCheck {
  name: string;
  status: StoredFileStatus;
  message?: string;
}

export interface IntegrityReport {
  ok: boolean;
  files: StoredFileCheck[];
  /** One sentence each, for people. Empty when ok. */
  problems: string[];
}

export interface IntegrityResult {
  integrity: IntegrityReport;
  manifest?: PackManifest;
  /** The restored model (file or folder), when `restoreTo` was given and the manifest read. */
  restoredPath?: string;
}

/**
 * Re-reads every stored file of a version, decrypting when it is encrypted, and holds each
 * to the digest and size the registry recorded: a changed byte in a blob, a blob swapped
 * for another, a manifest edited, or a record edited to match a swapped blob all show. With
 * `restoreTo`, the files are also written there (mode 0600) for signature checks and scans;
 * a file that fails is removed, never left half-written.
 */
export async function checkStoredArtifact(
  version: ModelVersion,
  blobs: BlobStore,
  kek: Kek | undefined,
  options: { restoreTo?: string } = {},
): Promise<IntegrityResult> {
  const label = formatModelRef(version.name, version.version);
  let manifest: PackManifest;
  try {
    manifest = parseManifest(await blobs.get(version.blob), label);
  } catch (error) {
    if (!isBlobProblem(error)) throw error;
    const message = `pack manifest ${version.blob}: ${(error as Error).message}`;
    return {
      integrity: {
        ok: false,
        files: version.files.map((f) => ({ name: f.name, status: "missing", message })),
        problems: [message],
      },
    };
  }

  const checks: StoredFileCheck[] = [];
  const problems: string[] = [];
  if ((manifest.encryption !== null) !== version.encrypted) {
    problems.push(
      `the record says ${version.encrypted ? "encrypted" : "not encrypted"}, the manifest says otherwise`,
    );
  }
  const recorded = new Map(version.files.map((f) => [f.name, f]));
  const reader = artifactReader(blobs, manifest, kek, label);
  const base = options.restoreTo === undefined ? undefined : join(options.restoreTo, manifest.root);
  for (const file of manifest.files) {
    const record = recorded.get(file.name);
    recorded.delete(file.name);
    if (record === undefined) {
      checks.push({ name: file.name, status: "extra", message: "in the pack, not in the record" });
      continue;
    }
    if (record.digest !== file.digest || record.size !== file.size) {
      checks.push({
        name: file.name,
        status: "changed",
        message: `the pack lists ${file.digest} (${file.size} B), the record ${record.digest} (${record.size} B)`,
      });
      continue;
    }
    const target =
      base === undefined ? undefined : manifest.layout === "file" ? base : join(base, file.name);
    checks.push(await checkFile(() => reader.open(file.blob), record, target));
  }
  for (const missing of recorded.values()) {
    checks.push({
      name: missing.name,
      status: "missing",
      message: "in the record, not in the pack",
    });
  }
  for (const check of checks) {
    if (check.status !== "ok") problems.push(`${check.name}: ${check.status} (${check.message})`);
  }
  return {
    integrity: { ok: problems.length === 0, files: checks, problems },
    manifest,
    ...(base === undefined ? {} : { restoredPath: base }),
  };
}

async function checkFile(
  // Opened only when the pipeline is ready to listen: a blob stream can fail (a missing file)
  // while an earlier await runs, and an error nobody listens to yet crashes the process.
  open: () => NodeJS.ReadableStream,
  record: { name: string; size: number; digest: string },
  target: string | undefined,
): Promise<StoredFileCheck> {
  const tap = hashingTap();
  try {
    if (target !== undefined) await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const sink =
      target === undefined
        ? new Writable({ write: (_chunk, _enc, callback) => callback() })
        : createWriteStream(target, { flags: "wx", mode: 0o600 });
    await pipeline(open(), tap.stream, sink);
  } catch (error) {
    if (target !== undefined) await rm(target, { force: true });
    if (!isBlobProblem(error)) throw error;
    const code = (error as { code: string }).code;
    return {
      name: record.name,
      status: code === "E_BLOB_NOT_FOUND" ? "missing" : "changed",
      message: (error as Error).message,
    };
  }
  const digest = tap.digest();
  const size = tap.size();
  if (digest !== record.digest || size !== record.size) {
    if (target !== undefined) await rm(target, { force: true });
    return {
      name: record.name,
      status: "changed",
      message: `stored bytes hash to ${digest} (${size} B), recorded ${record.digest} (${record.size} B)`,
    };
  }
  return { name: record.name, status: "ok" };
}

function isBlobProblem(error: unknown): boolean {
  return (
    isRampartError(error) && (error.code === "E_BLOB_CORRUPT" || error.code === "E_BLOB_NOT_FOUND")
  );
}
