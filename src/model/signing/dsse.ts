/**
 * DSSE v1 (github.com/secure-systems-lab/dsse, protocol.md): the signature covers the
 * Pre-Authentication Encoding of the payload, never the bare payload:
 *
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body   (LEN in ASCII decimal)
 *
 * `model_signing` v0.2.0 had a bug: it built the PAE as a Python f-string around the *bytes*
 * payload, so what it signed was `"DSSEV1 28 application/vnd.in-toto+json <len> b'<repr>'"`
 * (capital V, and Python's `repr` of the bytes) hashed with SHA-256 whatever the curve. The
 * reference still verifies those signatures through a compat path; so does Rampart, but only for
 * the v0.2.0 predicate that version wrote (see verify.ts).
 */
import { pae as dssePae } from "../../core/index.js";
import { PAYLOAD_TYPE } from "./constants.js";

/** The standard PAE (src/core/dsse.ts), with the model-signing payload type as the default. */
export function pae(payload: Uint8Array, payloadType: string = PAYLOAD_TYPE): Buffer {
  return dssePae(payloadType, payload);
}

/** The v0.2.0 encoding, byte for byte (see the header). */
export function legacyPae(payload: Uint8Array, payloadType: string = PAYLOAD_TYPE): Buffer {
  return Buffer.from(
    `DSSEV1 ${payloadType.length} ${payloadType} ${payload.length} ${pythonBytesRepr(payload)}`,
    "utf8",
  );
}

/** Python 3's `repr(bytes)`: b'…' (or b"…" when only ' occurs), \\t \\n \\r, \\xNN elsewhere. */
export function pythonBytesRepr(bytes: Uint8Array): string {
  const hasSingle = bytes.includes(0x27);
  const quote = hasSingle && !bytes.includes(0x22) ? 0x22 : 0x27;
  let out = `b${String.fromCharCode(quote)}`;
  for (const b of bytes) {
    if (b === quote || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b === 0x09) out += "\\t";
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x0d) out += "\\r";
    else if (b < 0x20 || b >= 0x7f) out += `\\x${b.toString(16).padStart(2, "0")}`;
    else out += String.fromCharCode(b);
  }
  return out + String.fromCharCode(quote);
}
