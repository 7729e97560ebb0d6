import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { RampartError } from "./errors.js";
import { sha256Hex } from "./hash.js";

/**
 * ECDSA P-256 keys (dataset snapshot manifests, DSSE), through node:crypto only. The key id
 * is the SHA-256 of the public key's SPKI DER, hex: what `keyid` in a DSSE signature carries,
 * and stable across PEM re-encodings of the same key.
 */
export interface EcdsaKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

export interface EcdsaPublicKey {
  publicKey: KeyObject;
  keyId: string;
}

export function generateEcdsaP256(): EcdsaKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  return { privateKey, publicKey, keyId: spkiKeyId(publicKey) };
}

/** SHA-256 of the SPKI DER encoding of a public key, hex. */
export function spkiKeyId(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ format: "der", type: "spki" }));
}

// The same files as the ledger key: PKCS#8 private key (0600, never overwritten), `.pub` beside.
export {
  publicKeyPathFor as ecdsaPublicKeyPathFor,
  writeKeyPair as writeEcdsaKeyPair,
} from "./keys.js";

export interface KeyLoadOptions {
  /** What the key is for, in the error message: "the data signing key". */
  purpose?: string;
  /** What to do when the file is missing. */
  missingHint?: string;
}

export function loadEcdsaPrivateKey(path: string, options: KeyLoadOptions = {}): EcdsaKeyPair {
  const purpose = options.purpose ?? "the ECDSA P-256 key";
  if (!existsSync(path)) {
    throw new RampartError("E_KEY", `${purpose} ${path} does not exist`, {
      hint: options.missingHint ?? "make one with `rampart init`",
    });
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new RampartError("E_KEY", `${purpose} ${path} is not a readable PEM private key`, {
      hint: "expected a PKCS#8 ECDSA P-256 key as written by `rampart init`",
      cause,
    });
  }
  requireP256(privateKey, path);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: spkiKeyId(publicKey) };
}

/** Reads a public key (SPKI PEM), or derives it from a private key file. */
export function loadEcdsaPublicKey(path: string, options: KeyLoadOptions = {}): EcdsaPublicKey {
  const purpose = options.purpose ?? "the ECDSA P-256 public key";
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new RampartError("E_KEY", `${purpose} ${path} cannot be read`, {
      hint: options.missingHint ?? "pass the .pub file written beside the private key",
      cause,
    });
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(text);
  } catch (cause) {
    throw new RampartError("E_KEY", `${path} holds no PEM public key`, {
      hint: "expected an SPKI PEM (-----BEGIN PUBLIC KEY-----) P-256 key",
      cause,
    });
  }
  requireP256(publicKey, path);
  return { publicKey, keyId: spkiKeyId(publicKey) };
}

function requireP256(key: KeyObject, path: string): void {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== "ec" || curve !== "prime256v1") {
    throw new RampartError(
      "E_KEY",
      `${path} is a ${key.asymmetricKeyType ?? "unknown"}${curve ? ` (${curve})` : ""} key; an ECDSA P-256 key is required`,
      {
        hint: "generate one with `openssl ecparam -name prime256v1 -genkey | openssl pkcs8 -topk8 -nocrypt`",
      },
    );
  }
}
