import { Buffer } from "node:buffer";

/**
 * Decoders for the text arguments of protocol 0 opcodes, following Lib/pickle.py's loader:
 * STRING is a quoted repr passed to `codecs.escape_decode`, UNICODE is `raw-unicode-escape`,
 * INT/LONG/GET/PUT are `int()` of the line, FLOAT is `float()` of the line. Where Python would
 * raise, these either say so (the VM then reports a broken stream, as the loader would stop)
 * or, when the difference cannot hide anything, accept more than Python does: the VM must
 * never stop reading before the real loader would.
 */

export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/** UTF-8 with U+FFFD for invalid sequences (Python raises there; the name then cannot import). */
export function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}

/** Python str → bytes as `_codecs.encode(s, "latin-1")` does (code points above 255 dropped). */
export function latin1Bytes(text: string): Uint8Array {
  return Buffer.from(text, "latin1");
}

/**
 * `int(line)` for INT, GET and PUT: ASCII whitespace, a sign, digits with single underscores.
 * Returns a number, "big" for an integer beyond 2^53, or undefined when Python would raise.
 */
export function parseDecimal(text: string): number | "big" | undefined {
  const match = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(text);
  if (match === null) return undefined;
  const digits = (match[2] ?? "").replaceAll("_", "");
  if (digits.length > 15) return "big";
  const value = Number(digits);
  return match[1] === "-" ? -value : value;
}

/** `int(line, 0)` for LONG (a trailing `L` is dropped first, as pickle.py does). */
export function parseLong(text: string): number | "big" | undefined {
  const body = text.endsWith("L") ? text.slice(0, -1) : text;
  const decimal = parseDecimal(body);
  if (decimal !== undefined) return decimal;
  return /^\s*[+-]?0(?:[xX](?:_?[0-9a-fA-F])+|[oO](?:_?[0-7])+|[bB](?:_?[01])+)\s*$/.test(body)
    ? "big"
    : undefined;
}

/** `float(line)`: decimal or exponent notation, inf, nan, with optional underscores. */
export function isFloatText(text: string): boolean {
  return /^\s*[+-]?(?:(?:\d(?:_?\d)*)?\.?\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*\.|inf|infinity|nan)\s*$/i.test(
    text,
  );
}

/**
 * `codecs.escape_decode` of a STRING body: backslash escapes as in a Python 2 str literal.
 * Invalid `\x` escapes raise in Python; here they are kept literally (decoding more is safe).
 */
export function escapeDecode(bytes: Uint8Array): Uint8Array {
  if (bytes.indexOf(0x5c) < 0) return bytes;
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c !== 0x5c || i + 1 >= bytes.length) {
      out[n++] = c;
      continue;
    }
    const e = bytes[++i]!;
    switch (e) {
      case 0x6e: // n
        out[n++] = 0x0a;
        break;
      case 0x74: // t
        out[n++] = 0x09;
        break;
      case 0x72: // r
        out[n++] = 0x0d;
        break;
      case 0x61: // a
        out[n++] = 0x07;
        break;
      case 0x62: // b
        out[n++] = 0x08;
        break;
      case 0x66: // f
        out[n++] = 0x0c;
        break;
      case 0x76: // v
        out[n++] = 0x0b;
        break;
      case 0x5c:
      case 0x27:
      case 0x22:
        out[n++] = e;
        break;
      case 0x0a: // line continuation
        break;
      case 0x78: {
        // x: exactly two hex digits
        const h = hexValue(bytes[i + 1]);
        const l = hexValue(bytes[i + 2]);
        if (h >= 0 && l >= 0) {
          out[n++] = h * 16 + l;
          i += 2;
        } else {
          out[n++] = 0x5c;
          out[n++] = e;
        }
        break;
      }
      default:
        if (e >= 0x30 && e <= 0x37) {
          let value = e - 0x30;
          for (let k = 0; k < 2 && i + 1 < bytes.length; k++) {
            const d = bytes[i + 1]!;
            if (d < 0x30 || d > 0x37) break;
            value = value * 8 + (d - 0x30);
            i++;
          }
          out[n++] = value & 0xff;
        } else {
          out[n++] = 0x5c;
          out[n++] = e;
        }
    }
  }
  return out.subarray(0, n);
}

/** `raw-unicode-escape` decoding for UNICODE: `\uXXXX` and `\UXXXXXXXX`, other bytes latin-1. */
export function rawUnicodeEscape(bytes: Uint8Array): string {
  const text = latin1(bytes);
  if (!text.includes("\\")) return text;
  return text.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})/g, (_, hex: string) => {
    const code = Number.parseInt(hex.slice(1), 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : "\uFFFD";
  });
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
