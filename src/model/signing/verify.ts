/**
 * `verifyModel`: checks an OpenSSF Model Signing bundle (OMS v1.0, Sigstore bundle v0.3, DSSE v1,
 * in-toto Statement v1) and then the model's files against it.
 *
 * Trust, exactly one of:
 * - key: the given ECDSA public key verifies the DSSE signature over PAE(payload) with the curve's
 *   hash; a `publicKey.hint` (SHA-256 of the key's PEM) or embedded key that names another key is
 *   reported as such.
 * - certificate: the bundle's `x509CertificateChain` must lead to a given certificate (x509.ts,
 *   checked at the current time: a certificate-mode bundle carries no trusted signing time), and
 *   the leaf's key verifies the signature.
 * - keyless: Sigstore public-good verification, offline (sigstore.ts), then the certificate's
 *   SAN and OIDC issuer must equal the ones given, exactly.
 * Transparency-log entries and RFC 3161 timestamps in a key or certificate bundle are not
 * checked (they can only add evidence, and the reference does not check them either).
 *
 * Compatibility: the v0.2.0 DSSE quirk (dsse.ts) is accepted only when the signed payload itself
 * declares the v0.2.0 predicate `https://model_signing/Digests/v0.1`; v0.3.x, v1.0 and v1.1
 * layouts need no exception. Everything else unknown fails closed.
 *
 * A signature problem is a result (`verified: false`, one sentence in `problems`); a usage
 * problem (no trust given, unreadable key, no model) is a RampartError.
 */
import { verify as cryptoVerify, type KeyObject } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { RampartError } from "../../core/index.js";
import { type ParsedBundle, parseBundle } from "./bundle.js";
import { compareWithDisk } from "./compare.js";
import { DEFAULT_IGNORE_PATHS, LEGACY_PREDICATE_TYPE, PAYLOAD_TYPE } from "./constants.js";
import { legacyPae, pae } from "./dsse.js";
import { isSignatureProblem, SignatureProblem } from "./errors.js";
import { hashForKey, keyHintOf, keyIdOf, loadPublicKey, sameKey, shortId } from "./keys.js";
import { ignoreNames } from "./paths.js";
import { verifySigstoreBundle } from "./sigstore.js";
import { parseStatement } from "./statement.js";
import type { ModelVerification, Signer, VerifyOptions } from "./types.js";
import {
  describeCertificate,
  parseDerCertificate,
  parsePemCertificates,
  verifyChain,
} from "./x509.js";

type Trust =
  | { mode: "key"; key: KeyObject }
  | { mode: "certificate"; roots: ReturnType<typeof parsePemCertificates> }
  | { mode: "sigstore"; identity: string; issuer: string };

export async function verifyModel(
  modelPath: string,
  options: VerifyOptions,
): Promise<ModelVerification> {
  const root = resolve(modelPath);
  const trust = trustFrom(options);
  try {
    await stat(root);
  } catch (cause) {
    throw new RampartError("E_USAGE", `there is no model at ${root}`, {
      hint: "pass the model's folder, or its file for a single-file model",
      cause,
    });
  }
  const signaturePath = resolve(options.signaturePath);
  let text: string;
  try {
    text = await readFile(signaturePath, "utf8");
  } catch (cause) {
    throw new RampartError("E_USAGE", `there is no readable signature at ${signaturePath}`, {
      hint: "pass the bundle written by `rampart model sign` or `model_signing sign` with --signature",
      cause,
    });
  }

  let signer: Signer | undefined;
  let manifest: ReturnType<typeof parseStatement>;
  try {
    const bundle = parseBundle(text);
    if (bundle.payloadType !== PAYLOAD_TYPE) {
      throw new SignatureProblem(
        `the envelope's payload type is ${JSON.stringify(bundle.payloadType)}, not ${PAYLOAD_TYPE}`,
      );
    }
    const checked = checkSignature(bundle, trust);
    signer = checked.signer;
    if (checked.problem !== undefined) throw new SignatureProblem(checked.problem);
    manifest = parseStatement(bundle.payload);
  } catch (error) {
    if (!isSignatureProblem(error)) throw error;
    const failed: ModelVerification = { verified: false, files: [], problems: [error.message] };
    if (signer !== undefined) failed.signer = signer;
    return failed;
  }

  const comparison = await compareWithDisk(root, manifest, {
    ignorePaths: ignoreNames(root, [
      ...manifest.ignorePaths,
      ...DEFAULT_IGNORE_PATHS,
      ...(options.ignorePaths ?? []),
      signaturePath,
    ]),
    ignoreUnsignedFiles: options.ignoreUnsignedFiles ?? false,
  });
  const result: ModelVerification = {
    verified: comparison.problems.length === 0,
    predicateType: manifest.predicateType,
    files: comparison.files,
    problems: comparison.problems,
  };
  if (signer !== undefined) result.signer = signer;
  if (manifest.rootDigest !== undefined) result.rootDigest = `sha256:${manifest.rootDigest}`;
  return result;
}

function trustFrom(options: VerifyOptions): Trust {
  const chain = options.certificateChainPems ?? [];
  const keyless = options.identity !== undefined || options.issuer !== undefined;
  const given = [options.publicKeyPem !== undefined, chain.length > 0, keyless].filter(Boolean);
  if (given.length !== 1) {
    throw new RampartError(
      "E_USAGE",
      given.length === 0
        ? "nothing to verify the signature with"
        : "more than one way to verify the signature was given",
      {
        hint: "give exactly one of: --public-key PEM, --certificate-chain PEM…, or --identity ID --issuer URL",
      },
    );
  }
  if (options.publicKeyPem !== undefined) {
    return { mode: "key", key: loadPublicKey(options.publicKeyPem) };
  }
  if (chain.length > 0) return { mode: "certificate", roots: parsePemCertificates(chain) };
  if (options.identity === undefined || options.issuer === undefined) {
    throw new RampartError("E_USAGE", "keyless verification needs both an identity and an issuer", {
      hint: "pass --identity (the signer's e-mail or URI) and --issuer (the OIDC issuer URL)",
    });
  }
  return { mode: "sigstore", identity: options.identity, issuer: options.issuer };
}

/** Who signed, and what (if anything) is wrong with the signature. */
function checkSignature(bundle: ParsedBundle, trust: Trust): { signer?: Signer; problem?: string } {
  const material = bundle.material;
  if (material.kind !== expectedMaterial[trust.mode]) {
    throw new SignatureProblem(wrongMode[material.kind]);
  }
  if (trust.mode === "sigstore") {
    const who = verifySigstoreBundle(bundle.json);
    const signer: Signer = { kind: "sigstore", keyId: who.keyId };
    if (who.identity !== undefined) signer.identity = who.identity;
    if (who.issuer !== undefined) signer.issuer = who.issuer;
    if (who.identity !== trust.identity || who.issuer !== trust.issuer) {
      return {
        signer,
        problem: `the signature was made by ${who.identity ?? "(no identity)"} (issuer ${who.issuer ?? "unknown"}), not by ${trust.identity} (issuer ${trust.issuer})`,
      };
    }
    return { signer };
  }

  // A signer is reported only once the signature verifies: a mismatch names both keys instead.
  if (trust.mode === "key" && material.kind === "key") {
    const keyId = keyIdOf(trust.key);
    if (material.hint !== undefined && material.hint !== keyHintOf(trust.key)) {
      return {
        problem: `the signature was made by key ${shortId(material.hint)}, not the key given (${shortId(keyHintOf(trust.key))})`,
      };
    }
    const embedded = material.rawKey === undefined ? undefined : embeddedKey(material.rawKey);
    if (embedded !== undefined && !sameKey(embedded, trust.key)) {
      return {
        problem: `the signature was made by key ${shortId(keyIdOf(embedded))}, not the key given (${shortId(keyId)})`,
      };
    }
    const problem = envelopeProblem(bundle, trust.key, "the key given");
    return problem === undefined ? { signer: { kind: "key", keyId } } : { problem };
  }

  if (trust.mode === "certificate" && material.kind === "chain") {
    const chain = material.certificates.map((der, i) =>
      parseDerCertificate(der, i === 0 ? "the signing certificate" : "a chain certificate"),
    );
    const leaf = verifyChain(chain, trust.roots, new Date())[0]!;
    const problem = envelopeProblem(bundle, leaf.publicKey, "the signing certificate's key");
    if (problem !== undefined) return { problem };
    return {
      signer: {
        kind: "certificate",
        keyId: keyIdOf(leaf.publicKey),
        identity: firstSan(leaf.subjectAltName) ?? describeCertificate(leaf),
        issuer: leaf.issuer.replace(/\n/g, ", "),
      },
    };
  }
  throw new SignatureProblem("the signature's kind does not match the verification asked for");
}

const expectedMaterial = { key: "key", certificate: "chain", sigstore: "sigstore" } as const;
const wrongMode = {
  key: "the model was signed with a bare key: verify it with that public key (--public-key)",
  chain:
    "the model was signed with a certificate: verify it with the issuing root (--certificate-chain)",
  sigstore:
    "the model was signed keylessly with Sigstore: verify it with the signer's identity and OIDC issuer (--identity, --issuer)",
} as const;

/** Checks the DSSE signature; the v0.2.0 encoding only for a payload declaring v0.2.0. */
function envelopeProblem(bundle: ParsedBundle, key: KeyObject, whose: string): string | undefined {
  const hash = hashForKey(key);
  if (hash === undefined) return `${whose} is not an ECDSA P-256, P-384 or P-521 key`;
  const valid = (data: Buffer, algorithm: string): boolean => {
    try {
      return cryptoVerify(algorithm, data, { key, dsaEncoding: "der" }, bundle.signature);
    } catch {
      return false;
    }
  };
  if (valid(pae(bundle.payload), hash)) return undefined;
  if (declaresLegacyPredicate(bundle.payload)) {
    const legacy = legacyPae(bundle.payload);
    if (valid(legacy, "sha256") || valid(legacy, hash)) return undefined;
  }
  return `the signature does not verify with ${whose}: the signed statement was altered, or another key signed it`;
}

function declaresLegacyPredicate(payload: Buffer): boolean {
  try {
    const doc = JSON.parse(payload.toString("utf8")) as { predicateType?: unknown };
    return doc.predicateType === LEGACY_PREDICATE_TYPE;
  } catch {
    return false;
  }
}

/** v0.3/v1.0 bundles embed the key: base64 of its PEM text (or, in principle, of its DER). */
function embeddedKey(raw: Buffer): KeyObject | undefined {
  const text = raw.toString("utf8");
  try {
    return text.includes("-----BEGIN")
      ? loadPublicKey(text)
      : loadPublicKey(
          `-----BEGIN PUBLIC KEY-----\n${raw.toString("base64")}\n-----END PUBLIC KEY-----\n`,
        );
  } catch {
    return undefined;
  }
}

/** `email:a@b, URI:x` → `a@b`. */
function firstSan(san: string | undefined): string | undefined {
  const first = san?.split(", ")[0];
  if (first === undefined || first === "") return undefined;
  const colon = first.indexOf(":");
  return colon >= 0 ? first.slice(colon + 1) : first;
}
