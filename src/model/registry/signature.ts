import { verifyModel } from "../signing/index.js";
import type { ModelVerification, Signer, VerifyOptions } from "../signing/types.js";

/** The signing module's verifier; a parameter so a caller can wrap or replace it. */
export type ModelVerifier = (
  modelPath: string,
  options: VerifyOptions,
) => ModelVerification | Promise<ModelVerification>;

export const defaultVerifier: ModelVerifier = (modelPath, options) =>
  verifyModel(modelPath, options);

/** Who a model signature may come from (`models.promotion` in rampart.yaml). */
export interface TrustAnchors {
  /** Public keys, PEM, with the path they were read from (for messages and the record). */
  keys: { path: string; pem: string }[];
  /** CA certificates, PEM, that certificate-chain signatures must chain to. */
  roots: { path: string; pem: string }[];
  /** Keyless Sigstore signers. */
  identities: { identity: string; issuer: string }[];
}

export interface SignatureCheck {
  verified: boolean;
  /** The signer, and which trust anchor accepted it. */
  signer?: Signer & { trustedBy: string };
  rootDigest?: string;
  /** Why it did not verify, one sentence per anchor tried. */
  problems: string[];
  /** Per-file status of the verification that came closest (all files when verified). */
  files: ModelVerification["files"];
}

/**
 * Verifies a model signature against every trust anchor until one accepts it. A signature
 * made by a key nobody trusts is no better than none, so no anchors means not verified.
 */
export async function checkSignature(
  modelPath: string,
  signaturePath: string,
  trust: TrustAnchors,
  verify: ModelVerifier = defaultVerifier,
): Promise<SignatureCheck> {
  const problems: string[] = [];
  let files: ModelVerification["files"] = [];
  const attempts: { anchor: string; options: VerifyOptions }[] = [
    ...trust.keys.map((key) => ({
      anchor: `key ${key.path}`,
      options: { signaturePath, publicKeyPem: key.pem },
    })),
    ...trust.roots.map((root) => ({
      anchor: `certificate root ${root.path}`,
      options: { signaturePath, certificateChainPems: [root.pem] },
    })),
    ...trust.identities.map((id) => ({
      anchor: `identity ${id.identity} (issuer ${id.issuer})`,
      options: { signaturePath, identity: id.identity, issuer: id.issuer },
    })),
  ];
  if (attempts.length === 0) {
    return {
      verified: false,
      problems: [
        "no trusted key, certificate root or identity is configured (models.promotion.trusted_keys / trusted_certificate_roots / trusted_identities)",
      ],
      files,
    };
  }
  for (const attempt of attempts) {
    let result: ModelVerification;
    try {
      result = await verify(modelPath, attempt.options);
    } catch (error) {
      problems.push(`${attempt.anchor}: ${(error as Error).message}`);
      continue;
    }
    if (result.verified) {
      return {
        verified: true,
        signer: { ...(result.signer ?? { kind: "key" }), trustedBy: attempt.anchor },
        ...(result.rootDigest === undefined ? {} : { rootDigest: result.rootDigest }),
        problems: [],
        files: result.files,
      };
    }
    // A file-level mismatch is the same for every anchor: keep the most telling listing.
    if (result.files.some((f) => f.status !== "ok") || files.length === 0) files = result.files;
    problems.push(
      `${attempt.anchor}: ${result.problems.join("; ") || "the signature does not verify"}`,
    );
  }
  return { verified: false, problems, files };
}
