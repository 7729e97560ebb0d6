/**
 * ECDSA keys as the reference `model_signing` uses them: P-256, P-384 or P-521, each with its
 * matching hash (SHA-256/384/512), DER-encoded signatures (ASN.1 SEQUENCE of r, s). Everything
 * goes through node:crypto.
 *
 * Two fingerprints: `keyId` (SHA-256 of the SPKI DER, Rampart's contract) and `keyHint`
 * (SHA-256 of the SPKI *PEM text*, what the reference writes in `publicKey.hint`).
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { RampartError } from "../../core/index.js";

export type EcHash = "sha256" | "sha384" | "sha512";

/** OpenSSL curve names as node:crypto reports them, with the hash the reference pairs them with. */
const CURVES: Record<string, { name: string; hash: EcHash }> = {
  prime256v1: { name: "P-256", hash: "sha256" },
  secp384r1: { name: "P-384", hash: "sha384" },
  secp521r1: { name: "P-521", hash: "sha512" },
};

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  hash: EcHash;
  curve: string;
}

export function loadSigningKey(pem: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: "pem" });
  } catch (cause) {
    throw new RampartError(
      "E_KEY",
      "the signing key is not a readable, unencrypted PEM private key",
      {
        hint: "give an ECDSA P-256, P-384 or P-521 key in PEM (PKCS#8 or SEC1), e.g. `openssl ecparam -genkey -name prime256v1 -noout -out key.pem`",
        cause,
      },
    );
  }
  const { hash, curve } = curveOf(privateKey, "signing key");
  return { privateKey, publicKey: createPublicKey(privateKey), hash, curve };
}

export function loadPublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: "pem" });
  } catch (cause) {
    throw new RampartError("E_KEY", "the public key is not a readable PEM public key", {
      hint: "give the signer's ECDSA public key in PEM (-----BEGIN PUBLIC KEY-----)",
      cause,
    });
  }
  curveOf(key, "public key");
  return key;
}

/** The curve and its hash, or an E_KEY error for anything but P-256/384/521. */
export function curveOf(key: KeyObject, what: string): { hash: EcHash; curve: string } {
  const named = key.asymmetricKeyType === "ec" ? key.asymmetricKeyDetails?.namedCurve : undefined;
  const curve = named === undefined ? undefined : CURVES[named];
  if (curve === undefined) {
    throw new RampartError(
      "E_KEY",
      `the ${what} is ${key.asymmetricKeyType === "ec" ? `on curve ${named}` : `a ${key.asymmetricKeyType} key`}; OpenSSF model signing uses ECDSA P-256, P-384 or P-521`,
      { hint: "use an ECDSA key on one of those curves" },
    );
  }
  return { hash: curve.hash, curve: curve.name };
}

/** The hash for a key, or undefined when the curve is not one the format uses. */
export function hashForKey(key: KeyObject): EcHash | undefined {
  const named = key.asymmetricKeyType === "ec" ? key.asymmetricKeyDetails?.namedCurve : undefined;
  return named === undefined ? undefined : CURVES[named]?.hash;
}

/** SHA-256 of the SPKI DER, hex: the `Signer.keyId` of the contract. */
export function keyIdOf(key: KeyObject): string {
  return createHash("sha256")
    .update(key.export({ format: "der", type: "spki" }))
    .digest("hex");
}

/** SHA-256 of the SPKI PEM text, hex: the reference's `verificationMaterial.publicKey.hint`. */
export function keyHintOf(key: KeyObject): string {
  return createHash("sha256")
    .update(key.export({ format: "pem", type: "spki" }))
    .digest("hex");
}

/** `3f2a9c01e4b7d2aa…`: enough to tell keys apart in a sentence. */
export function shortId(hex: string): string {
  return `${hex.slice(0, 16)}…`;
}

export function sameKey(a: KeyObject, b: KeyObject): boolean {
  return keyIdOf(a) === keyIdOf(b);
}
