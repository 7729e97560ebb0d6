/**
 * `signModel`: OpenSSF Model Signing (OMS v1.0) with a local ECDSA key, optionally with its
 * certificate chain. Output = what `model_signing sign key|certificate` v1.1 writes:
 *
 *   manifest (manifest.ts) → in-toto Statement v1 (statement.ts) → DSSE v1 PAE (dsse.ts)
 *   → ECDSA P-256/384/521 with SHA-256/384/512, DER signature (keys.ts)
 *   → Sigstore bundle v0.3 (bundle.ts) → written atomically to `signaturePath`.
 *
 * Defaults: serialisation `files` (`shards` when `shardSize` is set), symbolic links refused,
 * `.git`, `.gitattributes`, `.github`, `.gitignore` and the signature file itself left out and
 * recorded in `ignore_paths`, so the reference verifier skips exactly what was skipped here.
 */
import { sign, type X509Certificate } from "node:crypto";
import { resolve } from "node:path";
import { RampartError, writeFileAtomically } from "../../core/index.js";
import { buildBundle } from "./bundle.js";
import { DEFAULT_IGNORE_PATHS } from "./constants.js";
import { pae } from "./dsse.js";
import { NothingToSignError } from "./errors.js";
import { keyHintOf, loadSigningKey, sameKey } from "./keys.js";
import { serializeModel } from "./manifest.js";
import { buildStatement, encodeStatement } from "./statement.js";
import type { SignOptions, SignResult } from "./types.js";
import { describeCertificate, parsePemCertificates } from "./x509.js";

export async function signModel(modelPath: string, options: SignOptions): Promise<SignResult> {
  const root = resolve(modelPath);
  const signaturePath = resolve(options.signaturePath);
  if (signaturePath === root) {
    throw new RampartError("E_USAGE", `the signature would overwrite the model ${root}`, {
      hint: "write the signature to another file with --signature",
    });
  }
  const key = loadSigningKey(options.privateKeyPem);
  let chain: X509Certificate[] | undefined;
  if (options.certificateChainPems !== undefined && options.certificateChainPems.length > 0) {
    chain = parsePemCertificates(options.certificateChainPems);
    const leaf = chain[0]!;
    if (!sameKey(leaf.publicKey, key.publicKey)) {
      throw new RampartError(
        "E_KEY",
        `the certificate ${describeCertificate(leaf)} is not for the signing key given`,
        { hint: "put the signing key's own certificate first in the chain, then its issuers" },
      );
    }
  }

  const manifest = await serializeModel(root, {
    method: options.shardSize === undefined ? "files" : "shards",
    ...(options.shardSize === undefined ? {} : { shardSize: options.shardSize }),
    ignorePaths: [...DEFAULT_IGNORE_PATHS, ...(options.ignorePaths ?? []), signaturePath],
  });
  if (manifest.files === 0) throw new NothingToSignError(root);

  const payload = encodeStatement(buildStatement(manifest));
  const signature = sign(key.hash, pae(payload), { key: key.privateKey, dsaEncoding: "der" });
  const bundle = buildBundle(
    payload,
    signature,
    chain === undefined
      ? { kind: "key", hint: keyHintOf(key.publicKey) }
      : { kind: "chain", certificates: chain.map((c) => c.raw) },
  );
  writeFileAtomically(signaturePath, bundle, "the signature");
  return { signaturePath, rootDigest: `sha256:${manifest.rootDigest}`, files: manifest.files };
}
