import { type KeyObject, sign, verify } from "node:crypto";
import { RampartError } from "./errors.js";

/**
 * DSSE v1, the Dead Simple Signing Envelope (github.com/secure-systems-lab/dsse,
 * protocol.md and envelope.md). The signature covers the Pre-Authentication Encoding, never
 * the bare payload, so a payload cannot be reinterpreted under another type:
 *
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 *
 * LEN is the byte length in ASCII decimal. Envelope fields are standard base64. ECDSA keys
 * sign SHA-256 with DER-encoded signatures (node's default, what cosign and sigstore-js
 * emit); Ed25519 keys sign the PAE directly.
 */
export interface DsseSignature {
  keyid: string;
  /** Base64 signature over PAE(payloadType, payload). */
  sig: string;
}

export interface DsseEnvelope {
  /** Base64 of the payload bytes. */
  payload: string;
  payloadType: string;
  signatures: DsseSignature[];
}

export interface DsseSigner {
  privateKey: KeyObject;
  keyId: string;
}

export interface DsseVerifier {
  publicKey: KeyObject;
  keyId: string;
}

export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, "ascii"),
    type,
    Buffer.from(` ${payload.length} `, "ascii"),
    payload,
  ]);
}

export function signDsse(
  payload: Uint8Array,
  payloadType: string,
  signer: DsseSigner,
): DsseEnvelope {
  const signature = sign(
    digestFor(signer.privateKey),
    pae(payloadType, payload),
    signer.privateKey,
  );
  return {
    payload: Buffer.from(payload).toString("base64"),
    payloadType,
    signatures: [{ keyid: signer.keyId, sig: signature.toString("base64") }],
  };
}

export interface DsseVerification {
  /** True when at least one signature verifies under one of the keys. */
  verified: boolean;
  /** The key id that verified it. */
  keyId?: string;
  /** The payload bytes; only to be trusted when `verified`. */
  payload: Buffer;
  payloadType: string;
  /** Why not, when not verified. */
  reason?: string;
}

/**
 * Checks an envelope against trusted keys. A signature's `keyid` is only a hint (the spec
 * says so): every signature is tried against every key, and the key that verified is
 * reported. Never throws on a bad signature; throws E_DATA on an envelope that is not one.
 */
export function verifyDsse(
  envelope: unknown,
  keys: readonly DsseVerifier[],
  expectedPayloadType?: string,
): DsseVerification {
  const env = parseEnvelope(envelope);
  const payload = Buffer.from(env.payload, "base64");
  const base = { payload, payloadType: env.payloadType };
  if (expectedPayloadType !== undefined && env.payloadType !== expectedPayloadType) {
    return {
      ...base,
      verified: false,
      reason: `payloadType is "${env.payloadType}", expected "${expectedPayloadType}"`,
    };
  }
  if (env.signatures.length === 0) return { ...base, verified: false, reason: "no signatures" };
  const message = pae(env.payloadType, payload);
  for (const signature of env.signatures) {
    const sig = Buffer.from(signature.sig, "base64");
    for (const key of keys) {
      let ok = false;
      try {
        ok = verify(digestFor(key.publicKey), message, key.publicKey, sig);
      } catch {
        ok = false;
      }
      if (ok) return { ...base, verified: true, keyId: key.keyId };
    }
  }
  return {
    ...base,
    verified: false,
    reason: `no signature verifies under the trusted key(s) ${keys.map((k) => k.keyId.slice(0, 16)).join(", ")}`,
  };
}

/** Checks the shape (and that payload and signatures are base64) of an envelope. */
export function parseEnvelope(value: unknown): DsseEnvelope {
  const fail = (why: string): never => {
    throw new RampartError("E_DATA", `not a DSSE envelope: ${why}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("not an object");
  const v = value as Record<string, unknown>;
  if (typeof v.payload !== "string" || !isBase64(v.payload)) fail("payload is not base64");
  if (typeof v.payloadType !== "string" || v.payloadType === "") fail("payloadType is missing");
  if (!Array.isArray(v.signatures)) fail("signatures is not a list");
  const signatures: DsseSignature[] = [];
  for (const s of v.signatures as unknown[]) {
    const sig = s as Record<string, unknown> | null;
    if (
      typeof sig !== "object" ||
      sig === null ||
      typeof sig.sig !== "string" ||
      !isBase64(sig.sig)
    ) {
      fail("a signature is not {keyid, sig} with a base64 sig");
    }
    const { keyid, sig: text } = sig as { keyid?: unknown; sig: string };
    signatures.push({ keyid: typeof keyid === "string" ? keyid : "", sig: text });
  }
  return { payload: v.payload as string, payloadType: v.payloadType as string, signatures };
}

function isBase64(text: string): boolean {
  // DSSE allows standard or URL-safe base64; node's decoder accepts both.
  return /^[A-Za-z0-9+/_-]*={0,2}$/.test(text);
}

function digestFor(key: KeyObject): string | null {
  const type = key.asymmetricKeyType;
  if (type === "ed25519" || type === "ed448") return null;
  if (type === "ec" || type === "rsa" || type === "rsa-pss") return "sha256";
  throw new RampartError("E_KEY", `a ${type ?? "unknown"} key cannot sign DSSE envelopes here`);
}
