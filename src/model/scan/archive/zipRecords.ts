import { u16At, u32At, u64At } from "./bufferedReader.js";

/**
 * Byte layouts of the zip records, after PKWARE APPNOTE.TXT 6.3.10: local file header (4.3.7),
 * central directory header (4.3.12), end of central directory (4.3.16), ZIP64 end of central
 * directory record and locator (4.3.14, 4.3.15), data descriptor (4.3.9) and the extra fields
 * the checks need (ZIP64 0x0001, 4.5.3; Info-ZIP Unicode Path 0x7075, 4.6.9). Parsing only:
 * what the fields mean for security is zipReader.ts's business.
 */

export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_EOCD = 0x06054b50;
export const SIG_ZIP64_EOCD = 0x06064b50;
export const SIG_ZIP64_LOCATOR = 0x07064b50;
export const SIG_DESCRIPTOR = 0x08074b50;

export const LOCAL_HEADER_SIZE = 30;
export const CENTRAL_HEADER_SIZE = 46;
export const EOCD_SIZE = 22;
export const ZIP64_LOCATOR_SIZE = 20;
export const ZIP64_EOCD_SIZE = 56;
export const MAX_COMMENT = 0xffff;

const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;

export const FLAG_ENCRYPTED = 0x0001;
export const FLAG_DATA_DESCRIPTOR = 0x0008;
export const FLAG_PATCHED = 0x0020;
export const FLAG_STRONG_ENCRYPTION = 0x0040;
export const FLAG_UTF8 = 0x0800;
export const FLAG_MASKED_HEADERS = 0x2000;
/** Bits APPNOTE reserves (4: enhanced deflate, 12, 14, 15) or leaves unused (7–10). */
export const FLAGS_RESERVED = 0x0010 | 0x0080 | 0x0100 | 0x0200 | 0x0400 | 0x1000 | 0x4000 | 0x8000;

export interface EndOfCentralDirectory {
  offset: number;
  disk: number;
  centralDirectoryDisk: number;
  entriesOnDisk: number;
  entries: number;
  centralDirectorySize: number;
  centralDirectoryOffset: number;
  commentLength: number;
}

export function parseEocd(b: Uint8Array, at: number, offset: number): EndOfCentralDirectory {
  return {
    offset,
    disk: u16At(b, at + 4),
    centralDirectoryDisk: u16At(b, at + 6),
    entriesOnDisk: u16At(b, at + 8),
    entries: u16At(b, at + 10),
    centralDirectorySize: u32At(b, at + 12),
    centralDirectoryOffset: u32At(b, at + 16),
    commentLength: u16At(b, at + 20),
  };
}

/** True when any EOCD field holds the "look in the ZIP64 record" marker. */
export function eocdNeedsZip64(e: EndOfCentralDirectory): boolean {
  return (
    e.disk === U16_MAX ||
    e.centralDirectoryDisk === U16_MAX ||
    e.entriesOnDisk === U16_MAX ||
    e.entries === U16_MAX ||
    e.centralDirectorySize === U32_MAX ||
    e.centralDirectoryOffset === U32_MAX
  );
}

export interface Zip64Locator {
  disk: number;
  recordOffset: number;
  disks: number;
}

export function parseZip64Locator(b: Uint8Array, at: number): Zip64Locator | undefined {
  if (b.length < at + ZIP64_LOCATOR_SIZE || u32At(b, at) !== SIG_ZIP64_LOCATOR) return undefined;
  return { disk: u32At(b, at + 4), recordOffset: u64At(b, at + 8), disks: u32At(b, at + 16) };
}

export interface Zip64Eocd {
  offset: number;
  /** Bytes from the signature to the end of the record, extensible data included. */
  length: number;
  disk: number;
  centralDirectoryDisk: number;
  entriesOnDisk: number;
  entries: number;
  centralDirectorySize: number;
  centralDirectoryOffset: number;
}

export function parseZip64Eocd(b: Uint8Array, at: number, offset: number): Zip64Eocd | undefined {
  if (b.length < at + ZIP64_EOCD_SIZE || u32At(b, at) !== SIG_ZIP64_EOCD) return undefined;
  return {
    offset,
    length: 12 + u64At(b, at + 4),
    disk: u32At(b, at + 16),
    centralDirectoryDisk: u32At(b, at + 20),
    entriesOnDisk: u64At(b, at + 24),
    entries: u64At(b, at + 32),
    centralDirectorySize: u64At(b, at + 40),
    centralDirectoryOffset: u64At(b, at + 48),
  };
}

export interface CentralHeader {
  versionMadeBy: number;
  versionNeeded: number;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  nameLength: number;
  extraLength: number;
  commentLength: number;
  diskStart: number;
  internalAttributes: number;
  externalAttributes: number;
  localHeaderOffset: number;
}

/** The fixed 46 bytes; the caller checked the signature and length. */
export function parseCentralHeader(b: Uint8Array, at: number): CentralHeader {
  return {
    versionMadeBy: u16At(b, at + 4),
    versionNeeded: u16At(b, at + 6),
    flags: u16At(b, at + 8),
    method: u16At(b, at + 10),
    crc32: u32At(b, at + 16),
    compressedSize: u32At(b, at + 20),
    uncompressedSize: u32At(b, at + 24),
    nameLength: u16At(b, at + 28),
    extraLength: u16At(b, at + 30),
    commentLength: u16At(b, at + 32),
    diskStart: u16At(b, at + 34),
    internalAttributes: u16At(b, at + 36),
    externalAttributes: u32At(b, at + 38),
    localHeaderOffset: u32At(b, at + 42),
  };
}

export interface LocalHeader {
  versionNeeded: number;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  nameLength: number;
  extraLength: number;
}

export function parseLocalHeader(b: Uint8Array, at: number): LocalHeader | undefined {
  if (b.length < at + LOCAL_HEADER_SIZE || u32At(b, at) !== SIG_LOCAL) return undefined;
  return {
    versionNeeded: u16At(b, at + 4),
    flags: u16At(b, at + 6),
    method: u16At(b, at + 8),
    crc32: u32At(b, at + 14),
    compressedSize: u32At(b, at + 18),
    uncompressedSize: u32At(b, at + 22),
    nameLength: u16At(b, at + 26),
    extraLength: u16At(b, at + 28),
  };
}

export interface ExtraField {
  id: number;
  data: Uint8Array;
}

/** Splits an extra area into fields; `malformed` when a length runs past the end. */
export function parseExtra(extra: Uint8Array): { fields: ExtraField[]; malformed: boolean } {
  const fields: ExtraField[] = [];
  let at = 0;
  while (at + 4 <= extra.length) {
    const id = u16At(extra, at);
    const length = u16At(extra, at + 2);
    if (at + 4 + length > extra.length) return { fields, malformed: true };
    fields.push({ id, data: extra.subarray(at + 4, at + 4 + length) });
    at += 4 + length;
  }
  // Trailing bytes shorter than a field header: Python ignores them, others may not.
  return { fields, malformed: at !== extra.length && extra.length - at >= 4 };
}

export interface Zip64Values {
  uncompressedSize?: number;
  compressedSize?: number;
  localHeaderOffset?: number;
  diskStart?: number;
}

/**
 * The ZIP64 extra field holds 8-byte values only for the header fields set to their maximum,
 * in a fixed order (APPNOTE 4.5.3); which ones are present depends on the header.
 */
export function parseZip64Extra(
  data: Uint8Array,
  wants: { uncompressed: boolean; compressed: boolean; offset: boolean; disk: boolean },
): Zip64Values | undefined {
  const values: Zip64Values = {};
  let at = 0;
  const next = (): number | undefined => {
    if (at + 8 > data.length) return undefined;
    const value = u64At(data, at);
    at += 8;
    return value;
  };
  if (wants.uncompressed) {
    values.uncompressedSize = next();
    if (values.uncompressedSize === undefined) return undefined;
  }
  if (wants.compressed) {
    values.compressedSize = next();
    if (values.compressedSize === undefined) return undefined;
  }
  if (wants.offset) {
    values.localHeaderOffset = next();
    if (values.localHeaderOffset === undefined) return undefined;
  }
  if (wants.disk) {
    if (at + 4 > data.length) return undefined;
    values.diskStart = u32At(data, at);
  }
  return values;
}

export const EXTRA_ZIP64 = 0x0001;
export const EXTRA_UNICODE_PATH = 0x7075;

export function isMax32(value: number): boolean {
  return value === U32_MAX;
}

export function isMax16(value: number): boolean {
  return value === U16_MAX;
}

/** The Info-ZIP Unicode Path field: a UTF-8 name valid while `headerCrc` matches the name. */
export function parseUnicodePath(
  data: Uint8Array,
): { headerCrc: number; name: string } | undefined {
  if (data.length < 5 || data[0] !== 1) return undefined;
  return { headerCrc: u32At(data, 1), name: decodeUtf8(data.subarray(5)) };
}

const CP437_HIGH =
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

/** Names are UTF-8 with flag bit 11, else IBM code page 437, as Python's zipfile decodes them. */
export function decodeName(bytes: Uint8Array, utf8: boolean): string {
  if (utf8) return decodeUtf8(bytes);
  let out = "";
  for (const byte of bytes)
    out += byte < 0x80 ? String.fromCharCode(byte) : CP437_HIGH[byte - 0x80];
  return out;
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: false });

export function decodeUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

export function methodName(method: number): string {
  const names: Record<number, string> = {
    0: "stored",
    1: "shrunk",
    6: "imploded",
    8: "deflate",
    9: "deflate64",
    12: "bzip2",
    14: "lzma",
    20: "zstd (old id)",
    93: "zstd",
    95: "xz",
    98: "ppmd",
    99: "aes-encrypted",
  };
  return names[method] ?? `method ${method}`;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
