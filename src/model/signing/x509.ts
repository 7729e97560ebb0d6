/**
 * Certificate-mode trust (RFC 5280 path validation, the subset the reference `model_signing`
 * relies on through OpenSSL): the bundle's leaf certificate must chain, through the intermediates
 * shipped in the bundle, to a certificate the verifier was given. Every link is checked with
 * node:crypto `X509Certificate` (issuer name and signature), every certificate must be valid at
 * the verification time, issuers must be CAs allowed to sign certificates, the leaf's key usage
 * (when present) must allow digital signatures and its extended key usage (when present) code
 * signing, and a critical extension Rampart does not understand rejects the certificate.
 *
 * Node exposes neither key usage bits nor extension criticality, so a minimal DER reader below
 * extracts them from the TBSCertificate; it reads, it never builds or trusts anything itself.
 */
import { X509Certificate } from "node:crypto";
import { RampartError } from "../../core/index.js";
import { SignatureProblem } from "./errors.js";

const OID_KEY_USAGE = "2.5.29.15";
const OID_EXT_KEY_USAGE = "2.5.29.37";
const EKU_CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
const EKU_ANY = "2.5.29.37.0";
/** Extensions whose meaning is checked here, or which never restrict a signature's validity. */
const UNDERSTOOD = new Set([
  "2.5.29.14", // subject key identifier
  OID_KEY_USAGE,
  "2.5.29.17", // subject alternative name
  "2.5.29.18", // issuer alternative name
  "2.5.29.19", // basic constraints (Node's `ca`)
  "2.5.29.31", // CRL distribution points
  "2.5.29.32", // certificate policies (no policy constraints are enforced by the reference either)
  "2.5.29.35", // authority key identifier
  OID_EXT_KEY_USAGE,
  "1.3.6.1.5.5.7.1.1", // authority information access
]);
const MAX_DEPTH = 8;

/** Splits PEM text (one or many certificates per string) into certificates. */
export function parsePemCertificates(pems: readonly string[]): X509Certificate[] {
  const certs: X509Certificate[] = [];
  for (const pem of pems) {
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    if (blocks === null) {
      throw new RampartError("E_KEY", "no PEM certificate found in the certificate chain given", {
        hint: "give PEM files holding -----BEGIN CERTIFICATE----- blocks",
      });
    }
    for (const block of blocks) {
      try {
        certs.push(new X509Certificate(block));
      } catch (cause) {
        throw new RampartError("E_KEY", "a certificate in the chain given is not valid PEM", {
          hint: "check the certificate files (openssl x509 -in FILE -noout -text)",
          cause,
        });
      }
    }
  }
  return certs;
}

export function parseDerCertificate(der: Buffer, what: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    throw new SignatureProblem(`${what} in the bundle is not a valid X.509 certificate`);
  }
}

/** A short name for sentences: the SAN if any, else the subject. */
export function describeCertificate(cert: X509Certificate): string {
  const subject = cert.subject?.replace(/\n/g, ", ");
  return subject !== undefined && subject !== "" ? subject : (cert.subjectAltName ?? "(no name)");
}

/**
 * Verifies that `chain[0]` (the leaf) leads to one of `trusted` at time `at`. Returns the
 * validated path, leaf first. Throws SignatureProblem with the reason otherwise.
 */
export function verifyChain(
  chain: readonly X509Certificate[],
  trusted: readonly X509Certificate[],
  at: Date,
): X509Certificate[] {
  const leaf = chain[0];
  if (leaf === undefined) throw new SignatureProblem("the bundle's certificate chain is empty");
  checkValidity(leaf, at, "signing certificate");
  checkCritical(leaf, "signing certificate");
  const usage = keyUsage(leaf);
  if (usage !== undefined && !usage.digitalSignature) {
    throw new SignatureProblem(
      `the signing certificate ${describeCertificate(leaf)} is not allowed to sign: its key usage lacks digitalSignature`,
    );
  }
  const eku = leaf.keyUsage;
  if (eku !== undefined && !eku.includes(EKU_CODE_SIGNING) && !eku.includes(EKU_ANY)) {
    throw new SignatureProblem(
      `the signing certificate ${describeCertificate(leaf)} is not allowed to sign code: its extended key usage lacks codeSigning`,
    );
  }

  const isTrusted = (c: X509Certificate): boolean => trusted.some((t) => t.raw.equals(c.raw));
  const pool = [...trusted, ...chain.slice(1)];
  const path = [leaf];
  let current = leaf;
  const refused: string[] = [];
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (isTrusted(current)) return path;
    const issuer = pool.find((candidate) => {
      if (candidate.raw.equals(current.raw) || path.some((p) => p.raw.equals(candidate.raw))) {
        return false;
      }
      if (!current.checkIssued(candidate) || !current.verify(candidate.publicKey)) return false;
      const reason = issuerProblem(candidate, at);
      if (reason !== undefined) refused.push(reason);
      return reason === undefined;
    });
    if (issuer === undefined) break;
    path.push(issuer);
    current = issuer;
  }
  if (isTrusted(current)) return path;
  throw new SignatureProblem(
    `the certificate chain of ${describeCertificate(leaf)} does not lead to the given root${refused.length > 0 ? ` (${refused.join("; ")})` : ""}`,
  );
}

function issuerProblem(cert: X509Certificate, at: Date): string | undefined {
  // Node's `ca` is OpenSSL's X509_check_ca: basic constraints CA and, if key usage is present,
  // keyCertSign.
  if (!cert.ca) return `${describeCertificate(cert)} is not a CA allowed to sign certificates`;
  try {
    checkValidity(cert, at, "issuing certificate");
    checkCritical(cert, "issuing certificate");
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return undefined;
}

function checkValidity(cert: X509Certificate, at: Date, what: string): void {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
    throw new SignatureProblem(`the ${what} ${describeCertificate(cert)} has unreadable dates`);
  }
  if (at < from) {
    throw new SignatureProblem(
      `the ${what} ${describeCertificate(cert)} is not valid before ${from.toISOString()}`,
    );
  }
  if (at > to) {
    throw new SignatureProblem(
      `the ${what} ${describeCertificate(cert)} expired on ${to.toISOString()}`,
    );
  }
}

function checkCritical(cert: X509Certificate, what: string): void {
  for (const ext of extensions(cert.raw)) {
    if (ext.critical && !UNDERSTOOD.has(ext.oid)) {
      throw new SignatureProblem(
        `the ${what} ${describeCertificate(cert)} has a critical extension ${ext.oid} that Rampart does not understand`,
      );
    }
  }
}

interface KeyUsage {
  digitalSignature: boolean;
  keyCertSign: boolean;
}

/** The key usage bits (RFC 5280 4.2.1.3), or undefined when the extension is absent. */
export function keyUsage(cert: X509Certificate): KeyUsage | undefined {
  const ext = extensions(cert.raw).find((e) => e.oid === OID_KEY_USAGE);
  if (ext === undefined) return undefined;
  const bits = readTlv(ext.value, 0);
  if (bits.tag !== 0x03 || bits.end - bits.start < 2) {
    throw new SignatureProblem(`the key usage of ${describeCertificate(cert)} is malformed`);
  }
  const first = ext.value[bits.start + 1] ?? 0;
  return { digitalSignature: (first & 0x80) !== 0, keyCertSign: (first & 0x04) !== 0 };
}

interface Extension {
  oid: string;
  critical: boolean;
  value: Buffer;
}

/** The extensions of a DER certificate: Certificate → TBSCertificate → [3] → Extensions. */
export function extensions(der: Buffer): Extension[] {
  try {
    const certificate = readTlv(der, 0);
    const tbs = readTlv(der, certificate.start);
    let offset = tbs.start;
    while (offset < tbs.end) {
      const field = readTlv(der, offset);
      if (field.tag === 0xa3) return readExtensions(der, readTlv(der, field.start));
      offset = field.end;
    }
    return [];
  } catch (error) {
    if (error instanceof SignatureProblem) throw error;
    throw new SignatureProblem("a certificate's extensions are not valid DER");
  }
}

function readExtensions(der: Buffer, list: Tlv): Extension[] {
  const out: Extension[] = [];
  let offset = list.start;
  while (offset < list.end) {
    const ext = readTlv(der, offset);
    const oid = readTlv(der, ext.start);
    let next = readTlv(der, oid.end);
    let critical = false;
    if (next.tag === 0x01) {
      critical = der[next.start] !== 0;
      next = readTlv(der, next.end);
    }
    if (oid.tag !== 0x06 || next.tag !== 0x04) throw new SignatureProblem("bad extension");
    out.push({
      oid: decodeOid(der.subarray(oid.start, oid.end)),
      critical,
      value: der.subarray(next.start, next.end),
    });
    offset = ext.end;
  }
  return out;
}

interface Tlv {
  tag: number;
  /** First byte of the content. */
  start: number;
  /** One past the last byte of the content. */
  end: number;
}

function readTlv(buf: Buffer, offset: number): Tlv {
  const tag = buf[offset];
  let length = buf[offset + 1];
  if (tag === undefined || length === undefined) throw new SignatureProblem("truncated DER");
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new SignatureProblem("unsupported DER length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buf[start + i] ?? 0);
    start += count;
  }
  const end = start + length;
  if (end > buf.length) throw new SignatureProblem("truncated DER");
  return { tag, start, end };
}

function decodeOid(bytes: Buffer): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0)
        arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    }
  }
  return arcs.join(".");
}
