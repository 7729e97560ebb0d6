import type { ByteSource } from "../byteSource.js";
import type { ScanLimits } from "../types.js";
import { makeIssue, type Report } from "./issues.js";

/**
 * A tar reader after POSIX.1-2001 ustar and pax (IEEE Std 1003.1, "pax — Interchange Format"),
 * with the GNU extensions Python's tarfile writes or reads: `L`/`K` long names, base-256 sizes,
 * the "ustar  " magic. Headers are 512-byte blocks with an octal checksum; member data follows,
 * padded to 512. Reading stops at the first zero block (end of archive), at a bad checksum, or
 * after `maxMembers` members; data after the end of the archive is reported. Only headers are
 * read: member data is left for the scanner the content belongs to.
 */

export const BLOCK = 512;
const MAX_EXTENDED_HEADER = 1024 * 1024;
const NO_DATA = new Set(["1", "2", "3", "4", "5", "6"]);

export interface TarEntry {
  /** Effective name: pax `path`, else GNU long name, else ustar prefix + name. */
  name: string;
  /** Type flag ("0" for regular files, also for the old NUL flag). */
  type: string;
  size: number;
  headerOffset: number;
  dataOffset: number;
  linkName: string;
  mode: number;
  /** Bytes of the data present in the file (less than `size` when truncated). */
  available: number;
}

export interface TarArchive {
  entries: TarEntry[];
  /** Offset where the end-of-archive marker (or the data) ends. */
  end: number;
  /** Non-zero bytes after the end of the archive. */
  trailing: { offset: number; size: number } | undefined;
}

export interface TarReadOptions {
  limits: ScanLimits;
  report: Report;
}

export function tarChecksumValid(block: Uint8Array): boolean {
  const stored = parseOctal(block.subarray(148, 156));
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  // Some historic writers summed signed chars; tarfile accepts both.
  return stored === unsigned || stored === signed;
}

export function hasUstarMagic(block: Uint8Array): boolean {
  const magic = String.fromCharCode(...block.subarray(257, 263));
  return magic === "ustar\0" || magic === "ustar ";
}

export async function readTar(source: ByteSource, options: TarReadOptions): Promise<TarArchive> {
  const { report, limits } = options;
  const entries: TarEntry[] = [];
  let position = 0;
  let pax: Record<string, string> = {};
  let globalPax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  let end = source.size;
  let sawEnd = false;
  // After a bad header the rest is unparsed, not "after the end": reported once, as bad-header.
  let broken = false;

  while (position + BLOCK <= source.size) {
    const block = await source.read(position, BLOCK);
    if (block.every((b) => b === 0)) {
      // One zero block ends the archive for Python's tarfile; a second one is conventional.
      const next = await source.read(position + BLOCK, BLOCK);
      end = position + BLOCK + (next.length === BLOCK && next.every((b) => b === 0) ? BLOCK : 0);
      sawEnd = true;
      break;
    }
    if (!tarChecksumValid(block)) {
      report(
        makeIssue({
          rule: "tar.bad-header",
          severity: "high",
          title: `Tar header at offset ${position} fails its checksum; the rest of the archive was not scanned`,
          reason:
            "Tar readers stop or skip here and resynchronise differently, so what follows may be read by a loader and not by the scanner. Treat the rest as unscanned.",
          evidence: { offset: position, membersRead: entries.length },
          offset: position,
        }),
      );
      end = position;
      sawEnd = true;
      broken = true;
      break;
    }
    if (entries.length >= limits.maxMembers) {
      report(
        makeIssue({
          rule: "tar.too-many-members",
          severity: "medium",
          title: `Tar has more than ${limits.maxMembers} members; the rest were not examined`,
          reason: "Members past the limit were not scanned. Raise limits.maxMembers to scan them.",
          evidence: { limit: limits.maxMembers },
          offset: position,
        }),
      );
      return { entries, end: source.size, trailing: undefined };
    }
    const rawSize = parseNumber(block.subarray(124, 136));
    if (rawSize === undefined) {
      report(
        makeIssue({
          rule: "tar.bad-header",
          severity: "high",
          title: `Tar header at offset ${position} has an unreadable size; the rest was not scanned`,
          reason:
            "The size field is not a number, so member boundaries are unknown past this point.",
          evidence: { offset: position },
          offset: position,
        }),
      );
      end = position;
      sawEnd = true;
      broken = true;
      break;
    }
    const typeByte = block[156]!;
    const type = typeByte === 0 ? "0" : String.fromCharCode(typeByte);
    let dataOffset = position + BLOCK;
    // Old GNU sparse members chain extra sparse-map blocks (isextended at 482, then 504).
    if (type === "S" && block[482] !== 0) {
      for (
        let extensions = 0;
        extensions < 10_000 && dataOffset + BLOCK <= source.size;
        extensions++
      ) {
        const extension = await source.read(dataOffset, BLOCK);
        dataOffset += BLOCK;
        if (extension[504] === 0) break;
      }
    }
    const paxSize = pax.size ?? globalPax.size;
    const size =
      type !== "x" && type !== "X" && type !== "g" && paxSize !== undefined && /^\d+$/.test(paxSize)
        ? Number(paxSize)
        : rawSize;
    const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    // As in tarfile: links, directories and devices carry no data whatever their size says.
    const carriesData = !NO_DATA.has(type);
    const available = carriesData ? Math.max(0, Math.min(size, source.size - dataOffset)) : 0;

    // "X" is the Solaris spelling of a pax header, which tarfile reads the same way.
    if (type === "x" || type === "X" || type === "g" || type === "L" || type === "K") {
      if (size > MAX_EXTENDED_HEADER || available < size) {
        report(
          makeIssue({
            rule: "tar.bad-header",
            severity: "high",
            title: `Tar extended header at offset ${position} is ${available < size ? "truncated" : "too large"}`,
            reason:
              "The names and sizes of the following members cannot be trusted; the rest was not scanned.",
            evidence: { offset: position, size },
            offset: position,
          }),
        );
        end = position;
        sawEnd = true;
        broken = true;
        break;
      }
      const data = await source.read(dataOffset, size);
      if (type === "x" || type === "X") pax = { ...pax, ...parsePax(data) };
      else if (type === "g") globalPax = { ...globalPax, ...parsePax(data) };
      else if (type === "L") longName = cString(data);
      else longLink = cString(data);
      position = next;
      continue;
    }

    const ustarPrefix =
      String.fromCharCode(...block.subarray(257, 263)) === "ustar\0"
        ? cString(block.subarray(345, 500))
        : "";
    const headerName = cString(block.subarray(0, 100));
    const name =
      pax.path ?? longName ?? (ustarPrefix ? `${ustarPrefix}/${headerName}` : headerName);
    const linkName = pax.linkpath ?? longLink ?? cString(block.subarray(157, 257));
    entries.push({
      name,
      type,
      size,
      headerOffset: position,
      dataOffset,
      linkName,
      mode: parseNumber(block.subarray(100, 108)) ?? 0,
      available,
    });
    pax = {};
    longName = undefined;
    longLink = undefined;
    if (carriesData && available < size) {
      report(
        makeIssue({
          rule: "tar.truncated",
          severity: "high",
          title: `Tar member ${JSON.stringify(name)} is cut short (${available} of ${size} bytes)`,
          reason:
            "The archive is truncated or its size field is forged; what exists of the member was scanned.",
          evidence: { member: name, size, available },
          offset: position,
        }),
      );
      end = source.size;
      sawEnd = true;
      break;
    }
    position = carriesData ? next : dataOffset;
  }
  if (!sawEnd) end = Math.min(position, source.size);
  return { entries, end, trailing: broken ? undefined : await findTrailing(source, end) };
}

/** The first non-zero byte after the end of the archive, if any (padding is zeros). */
async function findTrailing(source: ByteSource, end: number): Promise<TarArchive["trailing"]> {
  const chunk = 64 * 1024;
  // Record padding is at most 10 KiB; a few MiB of zeros is already odd enough to stop looking.
  const limit = Math.min(source.size, end + 4 * 1024 * 1024);
  for (let offset = end; offset < limit; offset += chunk) {
    const bytes = await source.read(offset, Math.min(chunk, limit - offset));
    const at = bytes.findIndex((b) => b !== 0);
    if (at !== -1) return { offset: offset + at, size: source.size - offset - at };
  }
  return limit < source.size ? { offset: limit, size: source.size - limit } : undefined;
}

export function parseOctal(field: Uint8Array): number | undefined {
  let i = 0;
  while (i < field.length && (field[i] === 0x20 || field[i] === 0)) i++;
  let value = 0;
  let digits = 0;
  for (; i < field.length; i++) {
    const c = field[i]!;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return undefined;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? 0 : value;
}

/** Octal, or GNU base-256 when the first byte has its high bit set (negative values refused). */
function parseNumber(field: Uint8Array): number | undefined {
  if (field[0] === 0x80) {
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value <= Number.MAX_SAFE_INTEGER ? value : undefined;
  }
  if (field[0] === 0xff) return undefined;
  return parseOctal(field);
}

function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return new TextDecoder("utf-8", { fatal: false }).decode(
    nul === -1 ? bytes : bytes.subarray(0, nul),
  );
}

/** Pax records: "<length> <key>=<value>\n", the length counting the whole record. */
function parsePax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  const decoder = new TextDecoder("utf-8", { fatal: false });
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = Number(decoder.decode(data.subarray(at, space)));
    if (!Number.isInteger(length) || length <= space - at || at + length > data.length) break;
    const record = decoder.decode(data.subarray(space + 1, at + length - 1));
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return out;
}
