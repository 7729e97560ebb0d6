import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RampartConfig } from "../../core/index.js";
import type { Kek } from "../../store/blobs/encryptedBlobStore.js";
import type { BlobStore } from "../../store/index.js";
import { checkStoredArtifact, type IntegrityReport } from "./integrity.js";
import { type ArtifactScan, scanArtifact } from "./scanArtifact.js";
import {
  checkSignature,
  type ModelVerifier,
  type SignatureCheck,
  type TrustAnchors,
} from "./signature.js";
import type { ModelVersion } from "./types.js";

export interface InspectOptions {
  blobs: BlobStore;
  kek: Kek | undefined;
  config: RampartConfig;
  trust: TrustAnchors;
  verifier: ModelVerifier;
  /** The Sigstore bundle to verify against the restored files; none: no signature check. */
  bundle?: string;
}

export interface ArtifactInspection {
  integrity: IntegrityReport;
  signature?: SignatureCheck;
  scan?: ArtifactScan;
}

/**
 * Everything a gate needs to know about a stored version, established on the stored bytes
 * themselves: they are restored (decrypted, re-hashed) into a private temporary folder, the
 * signature is verified over that copy, and that copy is scanned. Checking the user's folder
 * instead would leave a window in which it changes between the check and the copy; checking
 * the store means tampering after registration is caught at promotion.
 *
 * The copy is plaintext on disk for as long as the check runs (mode 0700, beside the blob
 * store, removed after), because the signature verifier and the scanner read files.
 */
export async function inspectArtifact(
  version: ModelVersion,
  options: InspectOptions,
): Promise<ArtifactInspection> {
  const work = join(options.blobs.root, "tmp");
  await mkdir(work, { recursive: true });
  const dir = await mkdtemp(join(work, "check-"));
  try {
    await chmod(dir, 0o700);
    const restoreDir = join(dir, "m");
    const restored = await checkStoredArtifact(version, options.blobs, options.kek, {
      restoreTo: restoreDir,
    });
    const inspection: ArtifactInspection = { integrity: restored.integrity };
    // Nothing restored (every blob gone): no copy to verify or scan, and the rules say so.
    if (restored.restoredPath === undefined || !existsSync(restored.restoredPath)) {
      return inspection;
    }
    if (options.bundle !== undefined) {
      const signaturePath = join(dir, "model.sig");
      await writeFile(signaturePath, options.bundle, { mode: 0o600 });
      inspection.signature = await checkSignature(
        restored.restoredPath,
        signaturePath,
        options.trust,
        options.verifier,
      );
    }
    inspection.scan = await scanArtifact(
      restored.restoredPath,
      restoreDir,
      options.config,
      version.name,
      version.version,
    );
    return inspection;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
