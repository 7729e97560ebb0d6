/**
 * The fixed names and defaults of the OpenSSF Model Signing format (OMS v1.0 spec,
 * github.com/ossf/model-signing-spec) as the reference `model_signing` (sigstore/model-transparency)
 * writes them. Changing any of these breaks interoperability with existing signatures.
 */

/** in-toto Statement v1 (github.com/in-toto/attestation/blob/main/spec/v1/statement.md). */
export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
/** The OMS v1.0 predicate; the reference has used it since v0.3. */
export const PREDICATE_TYPE = "https://model_signing/signature/v1.0";
/** The v0.2.0 predicate: one subject per file and no root digest. Verified, never written. */
export const LEGACY_PREDICATE_TYPE = "https://model_signing/Digests/v0.1";
/** DSSE payload type of an in-toto statement. */
export const PAYLOAD_TYPE = "application/vnd.in-toto+json";
/** Sigstore bundle v0.3, the only bundle version the reference writes. */
export const BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
/** The older spelling of the same v0.3 media type, which Sigstore clients still accept. */
export const BUNDLE_MEDIA_TYPE_ALT = "application/vnd.dev.sigstore.bundle+json;version=0.3";

/** Default name of the signature file inside a model folder (the reference CLI's default). */
export const DEFAULT_SIGNATURE_NAME = "model.sig";
/** The reference ignores these by default, so a model checked out of git verifies. */
export const DEFAULT_IGNORE_PATHS: readonly string[] = [
  ".git",
  ".gitattributes",
  ".github",
  ".gitignore",
];
/** The reference's default shard size, 1 GB (decimal). */
export const DEFAULT_SHARD_SIZE = 1_000_000_000;
/**
 * Bytes read per call while hashing. The reference reads 1 MiB; anything from 64 KiB up keeps
 * SHA-256 (not syscalls) the bottleneck.
 */
export const READ_CHUNK_SIZE = 1024 * 1024;
/** Files hashed at once: enough to overlap reads with hashing, few enough to bound memory. */
export const HASH_CONCURRENCY = 4;

/** The only hash the reference signs with; blake2b/blake3 manifests are refused. */
export const HASH_TYPE = "sha256";
