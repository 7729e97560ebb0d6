import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ecdsaPublicKeyPathFor,
  generateEcdsaP256,
  loadEcdsaPrivateKey,
  loadEcdsaPublicKey,
  writeEcdsaKeyPair,
} from "./ecdsaKeys.js";

describe("ECDSA P-256 keys", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "rampart-ecdsa-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes PKCS#8 (0600) and SPKI (.pub), reloads the same key id = SHA-256 of the SPKI DER", () => {
    const pair = generateEcdsaP256();
    const file = join(dir, "keys", "data-p256.pem");
    const pub = writeEcdsaKeyPair(file, pair);
    expect(pub).toBe(join(dir, "keys", "data-p256.pub"));
    expect(pub).toBe(ecdsaPublicKeyPathFor(file));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const der = pair.publicKey.export({ format: "der", type: "spki" });
    expect(pair.keyId).toBe(createHash("sha256").update(der).digest("hex"));
    expect(loadEcdsaPrivateKey(file).keyId).toBe(pair.keyId);
    expect(loadEcdsaPublicKey(pub).keyId).toBe(pair.keyId);
    expect(loadEcdsaPublicKey(file).keyId).toBe(pair.keyId);
  });

  it("never overwrites an existing key", () => {
    const file = join(dir, "k.pem");
    writeEcdsaKeyPair(file, generateEcdsaP256());
    expect(() => writeEcdsaKeyPair(file, generateEcdsaP256())).toThrow(/EEXIST/);
  });

  it("refuses a missing file with the caller's hint, and keys of another type or curve", () => {
    expect(() =>
      loadEcdsaPrivateKey(join(dir, "none.pem"), { purpose: "the data key", missingHint: "run X" }),
    ).toThrow(expect.objectContaining({ code: "E_KEY", hint: "run X" }));
    const ed = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" });
    writeFileSync(join(dir, "ed.pem"), ed);
    expect(() => loadEcdsaPrivateKey(join(dir, "ed.pem"))).toThrow(/ed25519 key/);
    const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).publicKey.export({
      format: "pem",
      type: "spki",
    });
    writeFileSync(join(dir, "p384.pub"), p384);
    expect(() => loadEcdsaPublicKey(join(dir, "p384.pub"))).toThrow(/secp384r1/);
    writeFileSync(join(dir, "junk.pem"), "not a key");
    expect(() => loadEcdsaPrivateKey(join(dir, "junk.pem"))).toThrow(
      expect.objectContaining({ code: "E_KEY" }),
    );
  });
});
