import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  generateEd25519,
  loadPrivateKey,
  loadPublicKey,
  publicKeyPathFor,
  signEd25519,
  verifyEd25519,
  writeKeyPair,
} from "./keys.js";

describe("ledger keys", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "rampart-keys-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the private key with mode 0600 and reloads the same key id", () => {
    const pair = generateEd25519();
    const file = join(dir, "keys", "ledger.pem");
    const pub = writeKeyPair(file, pair);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(pub).toBe(publicKeyPathFor(file));
    expect(loadPrivateKey(file).keyId).toBe(pair.keyId);
    expect(loadPublicKey(pub).keyId).toBe(pair.keyId);
  });

  it("never overwrites an existing key", () => {
    const file = join(dir, "ledger.pem");
    writeKeyPair(file, generateEd25519());
    expect(() => writeKeyPair(file, generateEd25519())).toThrow(/EEXIST/);
  });

  it("signatures verify only with the right key and message", () => {
    const a = generateEd25519();
    const b = generateEd25519();
    const message = Buffer.from("checkpoint");
    const signature = signEd25519(a.privateKey, message);
    expect(verifyEd25519(a.publicKey, message, signature)).toBe(true);
    expect(verifyEd25519(b.publicKey, message, signature)).toBe(false);
    expect(verifyEd25519(a.publicKey, Buffer.from("checkpoinT"), signature)).toBe(false);
    expect(verifyEd25519(a.publicKey, message, "not base64 at all!")).toBe(false);
  });

  it("explains a missing, malformed or wrong-type key", () => {
    expect(() => loadPrivateKey(join(dir, "none.pem"))).toThrow(/cannot be read/);
    const garbage = join(dir, "garbage.pem");
    writeFileSync(garbage, "hello");
    expect(() => loadPrivateKey(garbage)).toThrow(/not a PEM private key/);
    const ec = join(dir, "ec.pem");
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    writeFileSync(ec, privateKey.export({ format: "pem", type: "pkcs8" }));
    expect(() => loadPrivateKey(ec)).toThrow(/ec key; ledger checkpoints need Ed25519/);
  });
});
