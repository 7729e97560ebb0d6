/**
 * The contract of model signing (OpenSSF Model Signing, OMS v1.0), used by the registry and
 * the CLI. The signing module implements it; others import only these types and index.ts.
 */
export type FileStatus = "ok" | "changed" | "missing" | "extra";

export interface SignOptions {
  /** PEM of an ECDSA P-256, P-384 or P-521 private key (PKCS#8 or SEC1). */
  privateKeyPem: string;
  /** Where to write the Sigstore bundle (default `<model>/model.sig` for a folder). */
  signaturePath: string;
  /** Paths (relative to the model root) left out of the signature; the signature file always is. */
  ignorePaths?: string[];
  /** Serialise as shards of this many bytes instead of whole files. */
  shardSize?: number;
  /** PEM certificates (leaf first) to embed instead of a bare public key hint. */
  certificateChainPems?: string[];
}

export interface SignResult {
  signaturePath: string;
  /** `sha256:<hex>`: the single subject digest of the statement. */
  rootDigest: string;
  files: number;
}

export interface VerifyOptions {
  signaturePath: string;
  /** Key mode: the signer's public key PEM. */
  publicKeyPem?: string;
  /** Certificate mode: trusted root (and intermediate) certificates, PEM. */
  certificateChainPems?: string[];
  /** Keyless Sigstore mode: the expected identity (SAN) and OIDC issuer. */
  identity?: string;
  issuer?: string;
  ignorePaths?: string[];
  /** Files present but not in the signature are then not an error. */
  ignoreUnsignedFiles?: boolean;
}

export interface Signer {
  kind: "key" | "certificate" | "sigstore";
  /** SHA-256 of the SPKI DER of the signing key, hex. */
  keyId?: string;
  /** Certificate subject / SAN identity. */
  identity?: string;
  issuer?: string;
}

export interface ModelVerification {
  verified: boolean;
  rootDigest?: string;
  predicateType?: string;
  signer?: Signer;
  /** Every file of the model and of the signature, with its status. */
  files: { name: string; status: FileStatus }[];
  /** What is wrong, one sentence each, for people. Empty when verified. */
  problems: string[];
}
