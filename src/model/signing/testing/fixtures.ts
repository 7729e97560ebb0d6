/** Helpers the signing tests share: where the interop vectors live, temp models, test keys. */
import { generateKeyPairSync } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

/** `/work/shared/interop/model-signing`, found from the repository (`../shared/…`). */
export const INTEROP = resolve(import.meta.dirname, "../../../../../shared/interop/model-signing");
export const HAS_INTEROP = existsSync(join(INTEROP, "golden"));
export const GOLDEN = join(INTEROP, "golden");
export const GOLDEN_KEYS = join(GOLDEN, "keys/certificate");
export const KEYLESS_IDENTITY = "stefanb@us.ibm.com";
export const KEYLESS_ISSUER = "https://sigstore.verify.ibm.com/oauth2";

export const TESTDATA = resolve(import.meta.dirname, "../testdata");
export const PKI = join(TESTDATA, "pki");

export function readText(path: string): string {
  return readFileSync(path, "utf8");
}

export function tempDir(prefix = "rampart-sign-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `files` (relative path → content) under `root`, creating folders. */
export function writeTree(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [name, content] of Object.entries(files)) {
    const path = join(root, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

/** Copies a (possibly read-only) model and makes the copy writable. */
export function copyWritable(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
  const makeWritable = (path: string): void => {
    const info = statSync(path);
    chmodSync(path, info.mode | 0o200);
    if (info.isDirectory()) for (const child of readdirSync(path)) makeWritable(join(path, child));
  };
  makeWritable(to);
}

/** XORs one byte of the file in place. */
export function flipByte(path: string, offset = 0): void {
  const bytes = readFileSync(path);
  bytes[offset] = (bytes[offset] ?? 0) ^ 0x01;
  writeFileSync(path, bytes);
}

export type Curve = "P-256" | "P-384" | "P-521";

export function ecKeyPair(curve: Curve): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve });
  return {
    privatePem: privateKey.export({ format: "pem", type: "pkcs8" }) as string,
    publicPem: publicKey.export({ format: "pem", type: "spki" }) as string,
  };
}
