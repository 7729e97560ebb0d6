import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { pae, parseEnvelope, signDsse, verifyDsse } from "./dsse.js";
import { generateEcdsaP256, spkiKeyId } from "./ecdsaKeys.js";

const TYPE = "application/vnd.in-toto+json";

describe("DSSE", () => {
  it("builds the PAE of the spec's worked example byte for byte", () => {
    // protocol.md: PAE("http://example.com/HelloWorld", "hello world")
    expect(pae("http://example.com/HelloWorld", Buffer.from("hello world")).toString()).toBe(
      "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
    );
    // Lengths are bytes, not characters.
    expect(pae("t", Buffer.from("é", "utf8")).toString("utf8")).toBe("DSSEv1 1 t 2 é");
  });

  it("signs with ECDSA P-256 (DER, base64) and verifies under the same key only", () => {
    const signer = generateEcdsaP256();
    const payload = Buffer.from('{"hello":"world"}');
    const envelope = signDsse(payload, TYPE, signer);
    expect(envelope.payloadType).toBe(TYPE);
    expect(Buffer.from(envelope.payload, "base64").equals(payload)).toBe(true);
    expect(envelope.signatures).toHaveLength(1);
    expect(envelope.signatures[0]?.keyid).toBe(spkiKeyId(signer.publicKey));
    // A DER ECDSA signature is a SEQUENCE (0x30).
    expect(Buffer.from(envelope.signatures[0]?.sig ?? "", "base64")[0]).toBe(0x30);

    const good = verifyDsse(envelope, [signer], TYPE);
    expect(good).toMatchObject({ verified: true, keyId: signer.keyId });
    expect(good.payload.equals(payload)).toBe(true);

    const other = generateEcdsaP256();
    expect(verifyDsse(envelope, [other], TYPE).verified).toBe(false);
    // The right key among others still verifies: keyid is only a hint.
    expect(verifyDsse(envelope, [other, signer], TYPE).keyId).toBe(signer.keyId);
  });

  it("rejects an edited payload, an edited type and an unexpected type", () => {
    const signer = generateEcdsaP256();
    const envelope = signDsse(Buffer.from('{"rows":100}'), TYPE, signer);
    const edited = { ...envelope, payload: Buffer.from('{"rows":101}').toString("base64") };
    expect(verifyDsse(edited, [signer]).verified).toBe(false);
    const retyped = { ...envelope, payloadType: "text/plain" };
    expect(verifyDsse(retyped, [signer]).verified).toBe(false);
    expect(verifyDsse(envelope, [signer], "text/plain")).toMatchObject({
      verified: false,
      reason: expect.stringMatching(/payloadType/),
    });
    expect(verifyDsse({ ...envelope, signatures: [] }, [signer]).verified).toBe(false);
  });

  it("works with Ed25519 keys too (no pre-hash)", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const envelope = signDsse(Buffer.from("x"), "t", { privateKey, keyId: "k" });
    expect(verifyDsse(envelope, [{ publicKey, keyId: "k" }]).verified).toBe(true);
  });

  it("refuses what is not an envelope with E_DATA", () => {
    for (const bad of [null, [], {}, { payload: "!!", payloadType: "t", signatures: [] }]) {
      expect(() => parseEnvelope(bad)).toThrow(expect.objectContaining({ code: "E_DATA" }));
    }
    expect(() =>
      parseEnvelope({ payload: "eA==", payloadType: "t", signatures: [{ keyid: "k" }] }),
    ).toThrow(/signature/);
  });
});
