/**
 * The signature file: a Sigstore bundle v0.3 (`application/vnd.dev.sigstore.bundle.v0.3+json`,
 * github.com/sigstore/protobuf-specs, sigstore_bundle.proto) holding one DSSE envelope.
 *
 * Written exactly as the reference `model_signing` v1.1 writes it (compact JSON, this field
 * order, `keyid: ""`):
 *   key:         verificationMaterial = { publicKey: { hint }, tlogEntries: [] }
 *   certificate: verificationMaterial = { x509CertificateChain: { certificates: [{ rawBytes }…] },
 *                                         tlogEntries: [] }
 *
 * Read strictly: one verification material, one envelope of the in-toto payload type, exactly
 * one signature, canonical base64, and no field Rampart does not know. Keyless bundles
 * (`certificate` + `tlogEntries`) are handed on whole to @sigstore/verify (sigstore.ts). Older
 * layouts are accepted: `publicKey.rawBytes` (base64 of the PEM) + `keyDetails` from v0.3/v1.0,
 * `keyid: null` from v0.2.
 */
import { BUNDLE_MEDIA_TYPE, BUNDLE_MEDIA_TYPE_ALT, PAYLOAD_TYPE } from "./constants.js";
import { SignatureProblem } from "./errors.js";

export type VerificationMaterial =
  /** Signed with a bare key: the reference names it by hint (v1.1+) or embeds it (older). */
  | { kind: "key"; hint?: string; rawKey?: Buffer }
  /** Signed with a certificate: leaf first, then the intermediates the signer shipped. */
  | { kind: "chain"; certificates: Buffer[] }
  /** Keyless (Sigstore public good): a Fulcio certificate and Rekor entries. */
  | { kind: "sigstore"; certificate: Buffer };

export interface ParsedBundle {
  material: VerificationMaterial;
  tlogEntries: number;
  timestamps: number;
  payload: Buffer;
  payloadType: string;
  signature: Buffer;
  /** The JSON document itself, for @sigstore/bundle in keyless mode. */
  json: Record<string, unknown>;
}

export function buildBundle(
  payload: Buffer,
  signature: Buffer,
  material: { kind: "key"; hint: string } | { kind: "chain"; certificates: Buffer[] },
): string {
  const verificationMaterial =
    material.kind === "key"
      ? { publicKey: { hint: material.hint }, tlogEntries: [] }
      : {
          x509CertificateChain: {
            certificates: material.certificates.map((c) => ({ rawBytes: c.toString("base64") })),
          },
          tlogEntries: [],
        };
  return JSON.stringify({
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial,
    dsseEnvelope: {
      payload: payload.toString("base64"),
      payloadType: PAYLOAD_TYPE,
      signatures: [{ sig: signature.toString("base64"), keyid: "" }],
    },
  });
}

export function parseBundle(text: string): ParsedBundle {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new SignatureProblem("the signature file is not JSON (a Sigstore bundle is expected)");
  }
  const bundle = object(doc, "the signature file");
  if (bundle.messageSignature !== undefined) {
    throw new SignatureProblem(
      "the bundle signs a bare message, not a DSSE statement: it is not an OpenSSF model signature",
    );
  }
  only(bundle, ["mediaType", "verificationMaterial", "dsseEnvelope"], "the bundle");
  if (bundle.mediaType !== BUNDLE_MEDIA_TYPE && bundle.mediaType !== BUNDLE_MEDIA_TYPE_ALT) {
    throw new SignatureProblem(
      `the bundle's media type is ${JSON.stringify(bundle.mediaType)}; OpenSSF model signatures are ${BUNDLE_MEDIA_TYPE}`,
    );
  }
  if (bundle.verificationMaterial === undefined) {
    throw new SignatureProblem("the bundle has no verificationMaterial (no key or certificate)");
  }
  if (bundle.dsseEnvelope === undefined) {
    throw new SignatureProblem("the bundle has no dsseEnvelope, so nothing was signed");
  }
  const vm = object(bundle.verificationMaterial, "verificationMaterial");
  only(
    vm,
    [
      "publicKey",
      "x509CertificateChain",
      "certificate",
      "tlogEntries",
      "timestampVerificationData",
    ],
    "verificationMaterial",
  );
  const material = parseMaterial(vm);
  const tlogEntries =
    vm.tlogEntries === undefined ? 0 : array(vm.tlogEntries, "tlogEntries").length;
  const timestamps = countTimestamps(vm.timestampVerificationData);
  const envelope = object(bundle.dsseEnvelope, "dsseEnvelope");
  only(envelope, ["payload", "payloadType", "signatures"], "dsseEnvelope");
  const payload = base64(envelope.payload, "the envelope's payload");
  if (typeof envelope.payloadType !== "string") {
    throw new SignatureProblem("the envelope's payloadType is not a string");
  }
  const signatures = array(envelope.signatures, "the envelope's signatures");
  if (signatures.length !== 1) {
    throw new SignatureProblem(
      `the envelope carries ${signatures.length} signatures; an OpenSSF model signature carries exactly one`,
    );
  }
  const entry = object(signatures[0], "the envelope's signature");
  only(entry, ["sig", "keyid"], "the envelope's signature");
  if (!(entry.keyid === undefined || entry.keyid === null || typeof entry.keyid === "string")) {
    throw new SignatureProblem("the signature's keyid is not a string");
  }
  return {
    material,
    tlogEntries,
    timestamps,
    payload,
    payloadType: envelope.payloadType,
    signature: base64(entry.sig, "the signature"),
    json: bundle,
  };
}

function parseMaterial(vm: Record<string, unknown>): VerificationMaterial {
  const present = ["publicKey", "x509CertificateChain", "certificate"].filter(
    (k) => vm[k] !== undefined,
  );
  if (present.length !== 1) {
    throw new SignatureProblem(
      present.length === 0
        ? "the bundle names no public key and no certificate"
        : `the bundle names more than one signer (${present.join(", ")})`,
    );
  }
  if (vm.publicKey !== undefined) {
    const pk = object(vm.publicKey, "publicKey");
    only(pk, ["hint", "rawBytes", "keyDetails"], "publicKey");
    if (pk.hint === undefined && pk.rawBytes === undefined) {
      throw new SignatureProblem("the bundle's publicKey has neither a hint nor the key");
    }
    const material: VerificationMaterial = { kind: "key" };
    if (pk.hint !== undefined) {
      if (typeof pk.hint !== "string") throw new SignatureProblem("publicKey.hint is not a string");
      material.hint = pk.hint;
    }
    if (pk.rawBytes !== undefined) material.rawKey = base64(pk.rawBytes, "publicKey.rawBytes");
    if (pk.keyDetails !== undefined && typeof pk.keyDetails !== "string") {
      throw new SignatureProblem("publicKey.keyDetails is not a string");
    }
    return material;
  }
  if (vm.x509CertificateChain !== undefined) {
    const chain = object(vm.x509CertificateChain, "x509CertificateChain");
    only(chain, ["certificates"], "x509CertificateChain");
    const certificates = array(chain.certificates, "x509CertificateChain.certificates").map((c) =>
      rawBytes(c, "a chain certificate"),
    );
    if (certificates.length === 0) {
      throw new SignatureProblem("the bundle's certificate chain is empty");
    }
    return { kind: "chain", certificates };
  }
  return { kind: "sigstore", certificate: rawBytes(vm.certificate, "the certificate") };
}

function rawBytes(value: unknown, what: string): Buffer {
  const cert = object(value, what);
  only(cert, ["rawBytes"], what);
  return base64(cert.rawBytes, `${what}'s rawBytes`);
}

function countTimestamps(value: unknown): number {
  if (value === undefined) return 0;
  const data = object(value, "timestampVerificationData");
  only(data, ["rfc3161Timestamps"], "timestampVerificationData");
  return data.rfc3161Timestamps === undefined
    ? 0
    : array(data.rfc3161Timestamps, "rfc3161Timestamps").length;
}

/** Canonical, padded standard base64 only: Buffer.from would silently skip stray characters. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function base64(value: unknown, what: string): Buffer {
  if (typeof value !== "string" || value.length === 0 || !BASE64.test(value)) {
    throw new SignatureProblem(`${what} is not base64`);
  }
  return Buffer.from(value, "base64");
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SignatureProblem(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new SignatureProblem(`${what} is not a JSON array`);
  return value;
}

function only(value: Record<string, unknown>, allowed: readonly string[], what: string): void {
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new SignatureProblem(
      `${what} has field(s) ${unknown.join(", ")} that Rampart does not know; it refuses to guess`,
    );
  }
}
