/**
 * Model signing in the OpenSSF Model Signing format (OMS v1.0, interoperable with the reference
 * `model_signing` from sigstore/model-transparency): sign a model folder or file with an ECDSA
 * key (optionally its certificate chain), verify with a key, a certificate chain, or keyless
 * Sigstore (offline), and compare every file with what was signed.
 */
export { DEFAULT_IGNORE_PATHS, DEFAULT_SHARD_SIZE, DEFAULT_SIGNATURE_NAME } from "./constants.js";
export { NothingToSignError } from "./errors.js";
export {
  type Manifest,
  type Resource,
  type SerializationMethod,
  type SerializeOptions,
  serializeModel,
} from "./manifest.js";
export { signModel } from "./sign.js";
export type {
  FileStatus,
  ModelVerification,
  Signer,
  SignOptions,
  SignResult,
  VerifyOptions,
} from "./types.js";
export { verifyModel } from "./verify.js";
