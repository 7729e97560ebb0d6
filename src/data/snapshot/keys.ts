import { existsSync } from "node:fs";
import {
  type EcdsaKeyPair,
  type EcdsaPublicKey,
  ecdsaPublicKeyPathFor,
  loadEcdsaPrivateKey,
  loadEcdsaPublicKey,
  RampartError,
} from "../../core/index.js";

/**
 * The project's data key (rampart.yaml `data.signing_key_file`): ECDSA P-256, signs every
 * snapshot statement. A project set up before data snapshots existed has none; re-running
 * `rampart init` adds it and leaves the ledger key and the database as they are.
 */
const MISSING_HINT =
  "run `rampart init` in this project: it adds the missing data key and never touches existing keys or the ledger";

export function loadDataSigner(privateKeyPath: string): EcdsaKeyPair {
  return loadEcdsaPrivateKey(privateKeyPath, {
    purpose: "the data signing key",
    missingHint: MISSING_HINT,
  });
}

/**
 * The key snapshots are verified against: an explicit public key file, else the `.pub` beside
 * the data key, else the data key's own public half.
 */
export function loadDataVerifier(privateKeyPath: string, publicKeyFile?: string): EcdsaPublicKey {
  if (publicKeyFile !== undefined) {
    return loadEcdsaPublicKey(publicKeyFile, { purpose: "the public key" });
  }
  const pub = ecdsaPublicKeyPathFor(privateKeyPath);
  if (existsSync(pub)) return loadEcdsaPublicKey(pub, { purpose: "the data public key" });
  if (existsSync(privateKeyPath)) {
    const pair = loadDataSigner(privateKeyPath);
    return { publicKey: pair.publicKey, keyId: pair.keyId };
  }
  throw new RampartError("E_KEY", `no data public key at ${pub}`, {
    hint: `pass --public-key with the data key's public half (.pub), or ${MISSING_HINT.replace(/^run/, "run")}`,
  });
}
