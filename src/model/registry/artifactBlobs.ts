import type { Readable } from "node:stream";
import { RampartError } from "../../core/index.js";
import { type BlobStore, EncryptedBlobStore, type Kek } from "../../store/index.js";
import { ENCRYPTION_SCHEME, type PackManifest } from "./manifest.js";

/** Where the bytes of one model file go, and come back from, plain or encrypted. */
export interface ArtifactBlobs {
  readonly encryption: PackManifest["encryption"];
  /** Stores one file; returns the stored blob and the plaintext digest and size. */
  put(source: Readable): Promise<{ blob: string; digest: string; size: number }>;
  /** The plaintext of a stored file. Errors (E_BLOB_CORRUPT) on any change, at the latest at its end. */
  open(blob: string): Readable;
}

/** For writing a new version: encrypted when a KEK is given. */
export function artifactWriter(blobs: BlobStore, kek: Kek | undefined): ArtifactBlobs {
  return kek === undefined ? plain(blobs) : encrypted(blobs, kek);
}

/**
 * For reading a stored version: the manifest, not today's policy, says whether it was
 * encrypted, so a version stays readable after `encrypt_at_rest` changes.
 */
export function artifactReader(
  blobs: BlobStore,
  manifest: PackManifest,
  kek: Kek | undefined,
  label: string,
): ArtifactBlobs {
  if (manifest.encryption === null) return plain(blobs);
  if (kek === undefined) {
    throw new RampartError("E_KEY", `${label} is encrypted at rest and no KEK is set`, {
      hint: `set RAMPART_KEK_FILE to the key-encryption key it was stored under (key id ${manifest.encryption.kek_id})`,
    });
  }
  return encrypted(blobs, kek);
}

function plain(blobs: BlobStore): ArtifactBlobs {
  return {
    encryption: null,
    async put(source) {
      const ref = await blobs.put(source);
      return { blob: ref.digest, digest: ref.digest, size: ref.size };
    },
    open: (blob) => blobs.stream(blob),
  };
}

function encrypted(blobs: BlobStore, kek: Kek): ArtifactBlobs {
  const store = new EncryptedBlobStore(blobs, kek);
  return {
    encryption: { scheme: ENCRYPTION_SCHEME, kek_id: kek.id },
    async put(source) {
      const ref = await store.put(source);
      return { blob: ref.digest, digest: ref.plaintext.digest, size: ref.plaintext.size };
    },
    open: (blob) => store.stream(blob),
  };
}
