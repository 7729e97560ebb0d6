import { crc32 } from "node:zlib";
import type { ByteSource } from "../byteSource.js";
import { CorruptStreamError, OutputLimitError } from "./codecError.js";
import { type InflateInfo, inflateAt } from "./inflateCodec.js";

/**
 * gzip (RFC 1952), member by member: header (FEXTRA, FNAME, FCOMMENT, FHCRC), raw deflate body,
 * CRC-32 and ISIZE trailer checked. Concatenated members are read on, as gunzip reads them.
 * Zero padding after the last member is accepted; anything else there is reported through
 * `info.trailingOffset` instead of failing, because a pickle inside has already been read —
 * and run — by then.
 */

export interface GzipInfo {
  /** Where undecodable bytes after the last complete member start. */
  trailingOffset?: number;
  /** Original file name from the first header's FNAME field. */
  originalName?: string;
}

const HEADER_LIMIT = 64 * 1024;

export async function* gzipChunks(
  input: ByteSource,
  maxOutput: number,
  info: GzipInfo = {},
): AsyncGenerator<Uint8Array> {
  let offset = 0;
  let members = 0;
  let produced = 0;
  while (offset < input.size) {
    const head = await input.read(offset, Math.min(HEADER_LIMIT, input.size - offset));
    const header = parseHeader(head);
    if (header === undefined) {
      if (members === 0) throw new CorruptStreamError("not a gzip stream");
      if (!(await allZero(input, offset))) info.trailingOffset = offset;
      return;
    }
    if (members === 0 && header.name !== undefined) info.originalName = header.name;
    const body: InflateInfo = {};
    let crc = 0;
    let size = 0;
    for await (const chunk of inflateAt(
      input,
      offset + header.length,
      maxOutput - produced,
      body,
    )) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      produced += chunk.length;
      yield chunk;
      if (produced > maxOutput) throw new OutputLimitError(produced);
    }
    const trailerAt = offset + header.length + (body.consumed ?? 0);
    const trailer = await input.read(trailerAt, 8);
    if (trailer.length < 8) throw new CorruptStreamError("gzip member ends without its trailer");
    const view = new DataView(trailer.buffer, trailer.byteOffset, 8);
    if (view.getUint32(0, true) !== crc) throw new CorruptStreamError("gzip CRC mismatch");
    if (view.getUint32(4, true) !== size % 0x1_0000_0000)
      throw new CorruptStreamError("gzip length mismatch");
    offset = trailerAt + 8;
    members++;
  }
}

interface Header {
  length: number;
  name: string | undefined;
}

function parseHeader(b: Uint8Array): Header | undefined {
  if (b.length < 10 || b[0] !== 0x1f || b[1] !== 0x8b || b[2] !== 8) return undefined;
  const flags = b[3]!;
  if (flags & 0xe0) return undefined;
  let at = 10;
  if (flags & 0x04) {
    if (at + 2 > b.length) return undefined;
    at += 2 + (b[at]! | (b[at + 1]! << 8));
  }
  let name: string | undefined;
  if (flags & 0x08) {
    const end = b.indexOf(0, at);
    if (end === -1) return undefined;
    name = latin1(b.subarray(at, end));
    at = end + 1;
  }
  if (flags & 0x10) {
    const end = b.indexOf(0, at);
    if (end === -1) return undefined;
    at = end + 1;
  }
  if (flags & 0x02) at += 2;
  return at <= b.length ? { length: at, name } : undefined;
}

async function allZero(input: ByteSource, offset: number): Promise<boolean> {
  for (let at = offset; at < input.size; at += 64 * 1024) {
    const chunk = await input.read(at, 64 * 1024);
    if (chunk.some((b) => b !== 0)) return false;
  }
  return true;
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}
