import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { RampartError } from "./errors.js";
import { sha256Hex } from "./hash.js";

/**
 * Ed25519 keys for ledger checkpoints, through node:crypto only (no hand-written crypto).
 * The key id is the SHA-256 of the raw 32-byte public key, hex: stable across PEM encodings.
 */
export interface Ed25519KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

export function generateEd25519(): Ed25519KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

export function keyIdOf(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: "jwk" });
  if (jwk.x === undefined) throw new RampartError("E_KEY", "not an Ed25519 public key");
  return sha256Hex(Buffer.from(jwk.x, "base64url"));
}

/**
 * Writes the private key (PKCS#8 PEM, mode 0600) and its public key beside it (`.pub`, SPKI
 * PEM); any key type node:crypto exports (the Ed25519 ledger key, the P-256 data key).
 */
export function writeKeyPair(
  privatePath: string,
  pair: { privateKey: KeyObject; publicKey: KeyObject },
): string {
  mkdirSync(dirname(privatePath), { recursive: true, mode: 0o700 });
  const pem = pair.privateKey.export({ format: "pem", type: "pkcs8" }) as string;
  // `wx`: never overwrite an existing key, which would orphan everything it signed.
  writeFileSync(privatePath, pem, { mode: 0o600, flag: "wx" });
  chmodSync(privatePath, 0o600);
  const publicPath = publicKeyPathFor(privatePath);
  writeFileSync(publicPath, pair.publicKey.export({ format: "pem", type: "spki" }) as string, {
    mode: 0o644,
  });
  return publicPath;
}

export function publicKeyPathFor(privatePath: string): string {
  return `${privatePath.replace(/\.pem$/, "")}.pub`;
}

export function loadPrivateKey(path: string): Ed25519KeyPair {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (cause) {
    throw new RampartError("E_KEY", `the ledger signing key ${path} cannot be read`, {
      hint: "run `rampart init` to make one, or set RAMPART_LEDGER_KEY_FILE to an Ed25519 PEM key",
      cause,
    });
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (cause) {
    throw new RampartError("E_KEY", `${path} is not a PEM private key`, {
      hint: "expected a PKCS#8 Ed25519 key as written by `rampart init`",
      cause,
    });
  }
  if (privateKey.asymmetricKeyType !== "ed25519") {
    throw new RampartError(
      "E_KEY",
      `${path} is a ${privateKey.asymmetricKeyType ?? "unknown"} key; ledger checkpoints need Ed25519`,
      { hint: "generate one with `openssl genpkey -algorithm ed25519` or `rampart init`" },
    );
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

export function loadPublicKey(path: string): { publicKey: KeyObject; keyId: string } {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new RampartError("E_KEY", `cannot read a public key from ${path}`, {
      hint: "pass the ledger's public key (.pub, SPKI PEM) or its private key file",
      cause,
    });
  }
  if (publicKey.asymmetricKeyType !== "ed25519") {
    throw new RampartError("E_KEY", `${path} is not an Ed25519 public key`);
  }
  return { publicKey, keyId: keyIdOf(publicKey) };
}

export function signEd25519(privateKey: KeyObject, message: Uint8Array): string {
  return sign(null, message, privateKey).toString("base64");
}

export function verifyEd25519(
  publicKey: KeyObject,
  message: Uint8Array,
  signature: string,
): boolean {
  try {
    return verify(null, message, publicKey, Buffer.from(signature, "base64"));
  } catch {
    return false;
  }
}
