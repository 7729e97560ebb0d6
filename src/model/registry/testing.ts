/** Fixtures for the registry's tests (library and CLI): models, keys, signatures. Not shipped API. */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { signModel } from "../signing/index.js";

export const MALICIOUS_PICKLE = join(
  import.meta.dirname,
  "../scan/pickle/testdata/reduce_os_system_p2.pkl",
);

export interface SigningKey {
  privateKeyPem: string;
  publicKeyPem: string;
  /** Where the public key was written. */
  publicKeyPath: string;
}

/** A fresh ECDSA P-256 key pair; the public half written to `dir/<name>.pub.pem`. */
export function makeSigningKey(dir: string, name: string): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const publicKeyPem = publicKey.export({ format: "pem", type: "spki" }).toString();
  const publicKeyPath = join(dir, `${name}.pub.pem`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(publicKeyPath, publicKeyPem);
  return {
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    publicKeyPem,
    publicKeyPath,
  };
}

/** A small benign model folder: weights, a nested tokenizer file, a config. */
export function makeModelFolder(path: string, seed = randomBytes(8).toString("hex")): string {
  mkdirSync(join(path, "tokenizer"), { recursive: true });
  writeFileSync(join(path, "weights.bin"), randomBytes(3000));
  writeFileSync(join(path, "tokenizer", "vocab.txt"), `hello\nworld\n${seed}\n`);
  writeFileSync(join(path, "config.json"), JSON.stringify({ layers: 2, seed }));
  return path;
}

/** A folder whose only model file is a pickle that calls os.system when loaded. */
export function makeMaliciousFolder(path: string): string {
  mkdirSync(path, { recursive: true });
  copyFileSync(MALICIOUS_PICKLE, join(path, "model.pkl"));
  writeFileSync(join(path, "config.json"), "{}");
  return path;
}

/** Signs a model (OMS v1.0) with the key; returns the signature's path (beside the model). */
export async function sign(modelPath: string, key: SigningKey): Promise<string> {
  const signaturePath = `${modelPath}.sig`;
  await signModel(modelPath, { privateKeyPem: key.privateKeyPem, signaturePath });
  return signaturePath;
}
