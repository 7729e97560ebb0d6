import { crc32 } from "node:zlib";
import { BufferSource, type ByteSource, SliceSource } from "../byteSource.js";
import { UNSAFE_ARTIFACT } from "../threats.js";
import type { ScanLimits } from "../types.js";
import { BufferedReader, u32At } from "./bufferedReader.js";
import type { Codec, DecodeInfo } from "./codecs.js";
import { expand } from "./expand.js";
import { makeIssue, type Report } from "./issues.js";
import { checkMemberName } from "./paths.js";
import {
  bytesEqual,
  CENTRAL_HEADER_SIZE,
  decodeName,
  type EndOfCentralDirectory,
  EOCD_SIZE,
  EXTRA_UNICODE_PATH,
  EXTRA_ZIP64,
  FLAG_DATA_DESCRIPTOR,
  FLAG_ENCRYPTED,
  FLAG_MASKED_HEADERS,
  FLAG_PATCHED,
  FLAG_STRONG_ENCRYPTION,
  FLAG_UTF8,
  FLAGS_RESERVED,
  isMax16,
  isMax32,
  LOCAL_HEADER_SIZE,
  type LocalHeader,
  MAX_COMMENT,
  methodName,
  parseCentralHeader,
  parseEocd,
  parseExtra,
  parseLocalHeader,
  parseUnicodePath,
  parseZip64Eocd,
  parseZip64Extra,
  parseZip64Locator,
  SIG_CENTRAL,
  SIG_DESCRIPTOR,
  SIG_EOCD,
  ZIP64_EOCD_SIZE,
  ZIP64_LOCATOR_SIZE,
  type Zip64Eocd,
} from "./zipRecords.js";

/**
 * A zip reader that shows the tricks (PKWARE APPNOTE.TXT 6.3.10). It reads the way loaders do
 * — end of central directory from the back (with its comment, ZIP64 locator and record), then
 * the central directory, then each member's local header — and reports every place where two
 * readers could see different files: a local name that differs from the central one, duplicate
 * names, members that overlap or point outside the file, a central directory that disagrees
 * with the local headers, bytes before the first member or after the end record (polyglots),
 * local headers no central entry lists (what a streaming reader sees), encryption, methods it
 * cannot decode, names that escape the extraction directory. Members are never read whole
 * here: openZipMember hands a stored member as a slice of the file and a compressed one as a
 * capped decompression (expand.ts).
 *
 * Defaults: methods stored (0), deflate (8) and bzip2 (12) are decoded — the ones Python's
 * zipfile reads besides LZMA (14), which has no decoder here; CRCs are checked for every
 * decompressed member and for stored members up to STORED_CRC_CHECK_BYTES; offsets that are
 * off by prepended data are corrected the way Python's zipfile corrects them.
 */

export const SUPPORTED_METHODS: ReadonlyMap<number, Codec | "stored"> = new Map([
  [0, "stored"],
  [8, "deflate-raw"],
  [12, "bzip2"],
]);

/** Stored members up to this size get their CRC checked: the pickles, not the tensors. */
export const STORED_CRC_CHECK_BYTES = 16 * 1024 * 1024;

export interface ZipEntry {
  /** Position in the central directory; hidden entries continue the count. */
  index: number;
  /** The central directory name (for a hidden entry, the local header's). */
  name: string;
  nameBytes: Uint8Array;
  /** The local header's name, when the local header could be read. */
  localName: string | undefined;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Absolute offset of the local header (corrected for prepended data). */
  localHeaderOffset: number;
  /** Absolute offset of the member's data; undefined when its local header is unusable. */
  dataOffset: number | undefined;
  /** End of the member's bytes, data descriptor included. */
  end: number;
  isDirectory: boolean;
  isSymlink: boolean;
  encrypted: boolean;
  /** Not listed in the central directory: found as a local header in unaccounted bytes. */
  hidden: boolean;
}

export interface ZipRegion {
  kind: "prepended" | "appended" | "gap";
  offset: number;
  size: number;
}

export interface ZipArchive {
  readonly source: ByteSource;
  /** Central directory entries in order (at most `maxMembers`), then hidden entries. */
  readonly entries: ZipEntry[];
  /** Bytes no member, directory or end record accounts for. */
  readonly regions: ZipRegion[];
  readonly centralDirectoryOffset: number;
  readonly comment: Uint8Array;
}

export interface ZipReadOptions {
  limits: ScanLimits;
  report: Report;
}

/** What is left of one container's expansion allowance (`maxExpandedBytes` in total). */
export interface ExpansionBudget {
  remaining: number;
}

interface Located {
  eocd: EndOfCentralDirectory;
  zip64: Zip64Eocd | undefined;
  entries: number;
  centralDirectorySize: number;
  centralDirectoryOffset: number;
}

/** Reads the directory structure; undefined (after a `zip.unreadable` issue) when there is none. */
export async function readZip(
  source: ByteSource,
  options: ZipReadOptions,
): Promise<ZipArchive | undefined> {
  const { report } = options;
  const located = await locateEnd(source, report);
  if (located === undefined) return undefined;
  const { eocd, zip64 } = located;
  const directoryEnd = zip64 ? zip64.offset : eocd.offset;

  const shift = await centralDirectoryShift(source, located, directoryEnd, report);
  if (shift === undefined) return undefined;
  const cdStart = located.centralDirectoryOffset + shift;
  const cdEnd = cdStart + located.centralDirectorySize;

  const { entries, complete } = await readCentralDirectory(
    source,
    located,
    cdStart,
    shift,
    options,
  );
  checkNames(entries, report);
  for (const entry of entries) await readLocalHeader(source, entry, cdStart, report);
  checkLayout(entries, report);

  const comment = await source.read(eocd.offset + EOCD_SIZE, eocd.commentLength);
  const regions = await findRegions(source, {
    entries,
    complete,
    cdStart,
    cdEnd,
    directoryEnd,
    zip64,
    eocd,
    options,
  });
  return { source, entries, regions, centralDirectoryOffset: cdStart, comment };
}

async function locateEnd(source: ByteSource, report: Report): Promise<Located | undefined> {
  const unreadable = (title: string, evidence: Record<string, unknown> = {}) => {
    report(
      makeIssue({
        rule: "zip.unreadable",
        severity: "high",
        title,
        reason:
          "The archive could not be read, so none of its members were scanned. Loaders may still read parts of it; treat it as unscanned.",
        evidence,
      }),
    );
    return undefined;
  };
  if (source.size < EOCD_SIZE)
    return unreadable("Zip file too short for an end record", { size: source.size });
  const tailLength = Math.min(source.size, EOCD_SIZE + MAX_COMMENT);
  const tailStart = source.size - tailLength;
  const tail = await source.read(tailStart, tailLength);
  const candidates: number[] = [];
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && u32At(tail, i) === SIG_EOCD) candidates.push(i);
  }
  if (candidates.length === 0) return unreadable("No zip end of central directory record found");
  // Python's zipfile and miniz (PyTorch) both take the last record in the file.
  const chosenAt = candidates[0]!;
  const eocd = parseEocd(tail, chosenAt, tailStart + chosenAt);
  // Strict readers want the comment to end exactly at the end of the file. When the last
  // record does not and an earlier one does, the two kinds of reader use different records.
  // (An earlier record alone proves nothing: a stored zip member carries one.)
  const endsAtEof = (at: number) =>
    tailStart + at + EOCD_SIZE + parseEocd(tail, at, 0).commentLength === source.size;
  const strict = candidates.find(endsAtEof);
  if (strict !== undefined && strict !== chosenAt) {
    report(
      makeIssue({
        rule: "zip.ambiguous-end-record",
        severity: "high",
        title: "Two end of central directory records that different readers would choose",
        reason:
          "Readers that take the last record and readers that check the comment length reaches the end of the file pick different records, and so see different member lists. Legitimate archives have one.",
        evidence: { last: eocd.offset, exact: tailStart + strict },
        offset: eocd.offset,
      }),
    );
  }
  if (eocd.disk !== 0 || eocd.centralDirectoryDisk !== 0) {
    if (!isMax16(eocd.disk) && !isMax16(eocd.centralDirectoryDisk)) {
      report(
        makeIssue({
          rule: "zip.multi-disk",
          severity: "medium",
          title: "Zip claims to span several disks",
          reason:
            "Split archives are not loaded by Python or PyTorch; it was read as a single file, which may miss or misplace members.",
          evidence: { disk: eocd.disk, centralDirectoryDisk: eocd.centralDirectoryDisk },
          offset: eocd.offset,
        }),
      );
    }
  }

  let zip64: Zip64Eocd | undefined;
  if (eocd.offset >= ZIP64_LOCATOR_SIZE) {
    const locatorOffset = eocd.offset - ZIP64_LOCATOR_SIZE;
    const locator = parseZip64Locator(await source.read(locatorOffset, ZIP64_LOCATOR_SIZE), 0);
    if (locator) {
      zip64 = await readZip64Record(source, locator.recordOffset);
      // Python's zipfile ignores the locator's offset and reads the record right before it.
      const pythonOffset = locatorOffset - ZIP64_EOCD_SIZE;
      const pythonRecord =
        pythonOffset >= 0 ? await readZip64Record(source, pythonOffset) : undefined;
      if (zip64 === undefined && pythonRecord !== undefined) zip64 = pythonRecord;
      if (zip64 === undefined) {
        return unreadable("ZIP64 locator points to no ZIP64 end record", {
          recordOffset: locator.recordOffset,
        });
      }
      if (zip64.offset !== pythonRecord?.offset || zip64.offset + zip64.length !== locatorOffset) {
        report(
          makeIssue({
            rule: "zip.directory-mismatch",
            severity: "high",
            title: "ZIP64 end record is not where both readers look for it",
            reason:
              "Python's zipfile reads the ZIP64 record just before its locator while other readers follow the locator's offset; when the two differ they read different central directories.",
            evidence: {
              locatorOffset: locator.recordOffset,
              pythonOffset,
              recordLength: zip64.length,
            },
            offset: locatorOffset,
          }),
        );
      }
    }
  }
  // Without a ZIP64 record, maxed fields are taken at face value, as Python does (a count of
  // 0xFFFF is legitimate); if they are wrong the directory checks below say so.
  let mismatch = false;
  const pick = (narrow: number, wide: number | undefined, max: boolean): number => {
    if (wide === undefined) return narrow;
    if (!max && narrow !== wide) mismatch = true;
    return wide;
  };
  const entries = pick(eocd.entries, zip64?.entries, isMax16(eocd.entries));
  const centralDirectorySize = pick(
    eocd.centralDirectorySize,
    zip64?.centralDirectorySize,
    isMax32(eocd.centralDirectorySize),
  );
  const centralDirectoryOffset = pick(
    eocd.centralDirectoryOffset,
    zip64?.centralDirectoryOffset,
    isMax32(eocd.centralDirectoryOffset),
  );
  if (mismatch) {
    report(
      makeIssue({
        rule: "zip.directory-mismatch",
        severity: "high",
        title: "End record and ZIP64 end record disagree",
        reason:
          "Python's zipfile takes the ZIP64 values whenever a ZIP64 record exists; other readers take them only for fields marked 0xFFFF/0xFFFFFFFF. Each then reads a different directory.",
        evidence: {
          entries: [eocd.entries, zip64?.entries],
          size: [eocd.centralDirectorySize, zip64?.centralDirectorySize],
          offset: [eocd.centralDirectoryOffset, zip64?.centralDirectoryOffset],
        },
        offset: eocd.offset,
      }),
    );
  }
  if (centralDirectorySize > source.size || !Number.isFinite(centralDirectoryOffset)) {
    return unreadable("Central directory is larger than the file", { centralDirectorySize });
  }
  return { eocd, zip64, entries, centralDirectorySize, centralDirectoryOffset };
}

async function readZip64Record(source: ByteSource, offset: number): Promise<Zip64Eocd | undefined> {
  if (!Number.isFinite(offset) || offset < 0 || offset + ZIP64_EOCD_SIZE > source.size)
    return undefined;
  return parseZip64Eocd(await source.read(offset, ZIP64_EOCD_SIZE), 0, offset);
}

/**
 * How far the real central directory sits from where the end record says. Zero for a normal
 * file; positive when data was prepended without fixing the offsets, which Python's zipfile
 * silently corrects (its `concat`) and miniz does not.
 */
async function centralDirectoryShift(
  source: ByteSource,
  located: Located,
  directoryEnd: number,
  report: Report,
): Promise<number | undefined> {
  const { centralDirectoryOffset: declared, centralDirectorySize: size, entries } = located;
  const hasSignature = async (offset: number) =>
    offset >= 0 &&
    offset + 4 <= source.size &&
    u32At(await source.read(offset, 4), 0) === SIG_CENTRAL;
  if (size === 0 && entries === 0 && declared <= directoryEnd) return 0;
  if (declared + size <= directoryEnd && (await hasSignature(declared))) return 0;
  const expected = directoryEnd - size;
  if (expected > declared && (await hasSignature(expected))) {
    report(
      makeIssue({
        rule: "zip.offset-shifted",
        severity: "medium",
        title: `Zip offsets are ${expected - declared} bytes short (data was prepended)`,
        reason:
          "Bytes were put in front of the archive without fixing its offsets. Python's zipfile compensates and reads the members; PyTorch's reader and others do not, so loaders disagree about the file. The prepended bytes are scanned separately.",
        evidence: { declaredOffset: declared, actualOffset: expected },
        offset: expected,
      }),
    );
    return expected - declared;
  }
  report(
    makeIssue({
      rule: "zip.unreadable",
      severity: "high",
      title: "Zip central directory not found where the end record points",
      reason:
        "The archive could not be read, so none of its members were scanned. Loaders may still read parts of it; treat it as unscanned.",
      evidence: { centralDirectoryOffset: declared, centralDirectorySize: size },
      offset: located.eocd.offset,
    }),
  );
  return undefined;
}

async function readCentralDirectory(
  source: ByteSource,
  located: Located,
  cdStart: number,
  shift: number,
  options: ZipReadOptions,
): Promise<{ entries: ZipEntry[]; complete: boolean }> {
  const { report, limits } = options;
  const reader = new BufferedReader(
    source,
    cdStart,
    Math.min(source.size, cdStart + located.centralDirectorySize),
  );
  const entries: ZipEntry[] = [];
  let corruptAt: number | undefined;
  while (reader.remaining >= CENTRAL_HEADER_SIZE) {
    if (entries.length >= limits.maxMembers) {
      report(
        makeIssue({
          rule: "zip.too-many-members",
          severity: "medium",
          title: `Zip lists ${located.entries} members; only the first ${limits.maxMembers} were examined`,
          reason:
            "Members past the limit were not scanned. Raise limits.maxMembers to scan them, or treat the rest as unscanned; huge member counts are also a denial-of-service pattern.",
          evidence: {
            declared: located.entries,
            examined: entries.length,
            limit: limits.maxMembers,
          },
          offset: reader.position,
        }),
      );
      return { entries, complete: false };
    }
    const recordOffset = reader.position;
    const fixed = await reader.bytes(CENTRAL_HEADER_SIZE);
    if (u32At(fixed, 0) !== SIG_CENTRAL) {
      corruptAt = recordOffset;
      break;
    }
    const h = parseCentralHeader(fixed, 0);
    const variable = h.nameLength + h.extraLength + h.commentLength;
    if (reader.remaining < variable) {
      corruptAt = recordOffset;
      break;
    }
    const rest = (await reader.bytes(variable)).slice();
    const nameBytes = rest.subarray(0, h.nameLength);
    const extra = rest.subarray(h.nameLength, h.nameLength + h.extraLength);
    const utf8 = (h.flags & FLAG_UTF8) !== 0;
    const name = decodeName(nameBytes, utf8);
    const { fields, malformed } = parseExtra(extra);
    let compressedSize = h.compressedSize;
    let uncompressedSize = h.uncompressedSize;
    let localHeaderOffset = h.localHeaderOffset;
    let diskStart = h.diskStart;
    const wants = {
      uncompressed: isMax32(h.uncompressedSize),
      compressed: isMax32(h.compressedSize),
      offset: isMax32(h.localHeaderOffset),
      disk: isMax16(h.diskStart),
    };
    const zip64Field = fields.find((f) => f.id === EXTRA_ZIP64);
    if (zip64Field && (wants.uncompressed || wants.compressed || wants.offset || wants.disk)) {
      const values = parseZip64Extra(zip64Field.data, wants);
      if (values) {
        uncompressedSize = values.uncompressedSize ?? uncompressedSize;
        compressedSize = values.compressedSize ?? compressedSize;
        localHeaderOffset = values.localHeaderOffset ?? localHeaderOffset;
        diskStart = values.diskStart ?? diskStart;
      }
    }
    const index = entries.length;
    if (malformed) {
      report(
        makeIssue({
          rule: "zip.malformed-extra",
          severity: "low",
          title: `Malformed extra field in central entry ${JSON.stringify(name)}`,
          reason:
            "An extra-field length runs past its area; readers may parse the entry differently.",
          evidence: { member: name },
          offset: recordOffset,
        }),
      );
    }
    if (diskStart !== 0) {
      report(
        makeIssue({
          rule: "zip.multi-disk",
          severity: "medium",
          title: `Member ${JSON.stringify(name)} claims to start on disk ${diskStart}`,
          reason:
            "Split archives are not loaded by Python or PyTorch; the member was read from this file.",
          evidence: { member: name, diskStart },
          offset: recordOffset,
        }),
      );
    }
    const hostSystem = h.versionMadeBy >> 8;
    // Unix (3) and macOS (19) keep the st_mode in the high half of the external attributes.
    const mode = hostSystem === 3 || hostSystem === 19 ? h.externalAttributes >>> 16 : 0;
    const unicodePath = fields.find((f) => f.id === EXTRA_UNICODE_PATH);
    if (unicodePath) {
      const parsed = parseUnicodePath(unicodePath.data);
      if (parsed && parsed.headerCrc === crc32(nameBytes) && parsed.name !== name) {
        report(
          makeIssue({
            rule: "zip.name-mismatch",
            severity: "high",
            title: `Member ${JSON.stringify(name)} carries a different Unicode path ${JSON.stringify(parsed.name)}`,
            reason:
              "Info-ZIP and 7-Zip use the Unicode Path extra field, Python's zipfile uses the header name: an extractor and a loader read different names for one member.",
            evidence: { member: name, unicodePath: parsed.name },
            offset: recordOffset,
          }),
        );
      }
    }
    entries.push({
      index,
      name,
      nameBytes,
      localName: undefined,
      flags: h.flags,
      method: h.method,
      crc32: h.crc32,
      compressedSize,
      uncompressedSize,
      localHeaderOffset: Number.isFinite(localHeaderOffset)
        ? localHeaderOffset + shift
        : Number.MAX_SAFE_INTEGER,
      dataOffset: undefined,
      end: 0,
      isDirectory: name.endsWith("/"),
      isSymlink: (mode & 0o170000) === 0o120000,
      encrypted:
        (h.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS)) !== 0 ||
        h.method === 99,
      hidden: false,
    });
  }
  if (corruptAt !== undefined) {
    report(
      makeIssue({
        rule: "zip.directory-mismatch",
        severity: "high",
        title: `Central directory is corrupt at entry ${entries.length}`,
        reason:
          "Entries after the corrupt record were not read or scanned. Readers that trust the entry count and readers that trust the directory size disagree on such files.",
        evidence: { entriesRead: entries.length, declared: located.entries },
        offset: corruptAt,
      }),
    );
  } else if (entries.length !== located.entries) {
    report(
      makeIssue({
        rule: "zip.directory-mismatch",
        severity: "high",
        title: `End record counts ${located.entries} members, central directory holds ${entries.length}`,
        reason:
          "Python's zipfile reads entries until the directory's size is used up, miniz (PyTorch) reads the counted number: the two see different member lists.",
        evidence: { declared: located.entries, found: entries.length },
        offset: located.eocd.offset,
      }),
    );
  } else if (reader.remaining > 0) {
    report(
      makeIssue({
        rule: "zip.directory-mismatch",
        severity: "high",
        title: `${reader.remaining} unaccounted bytes at the end of the central directory`,
        reason:
          "The directory is larger than its entries; the extra bytes can hold entries that some readers list and others skip.",
        evidence: { bytes: reader.remaining },
        offset: reader.position,
      }),
    );
  }
  return { entries, complete: corruptAt === undefined };
}

function checkNames(entries: ZipEntry[], report: Report): void {
  const seen = new Map<string, number>();
  for (const entry of entries) {
    const { name } = entry;
    const member = { member: name };
    const names = checkMemberName(name);
    if (names.traversal.length > 0) {
      report(
        makeIssue({
          rule: "zip.path-traversal",
          severity: "high",
          title: `Member name ${JSON.stringify(name)} escapes the extraction directory`,
          reason:
            "Extracting this archive writes outside the target directory (zip slip), which can overwrite code or configuration. Do not extract it; rebuild the archive with relative names.",
          evidence: { ...member, problems: names.traversal },
          threats: UNSAFE_ARTIFACT,
        }),
      );
    }
    if (names.confusing.length > 0) {
      report(
        makeIssue({
          rule: "zip.suspicious-name",
          severity: "medium",
          title: `Member name ${JSON.stringify(name)} contains ${names.confusing.join(", ")}`,
          reason:
            "Readers cut or escape such names differently, so they may not agree on which member is which.",
          evidence: { ...member, problems: names.confusing },
        }),
      );
    }
    const first = seen.get(name);
    if (first !== undefined) {
      report(
        makeIssue({
          rule: "zip.duplicate-name",
          severity: "high",
          title: `Member name ${JSON.stringify(name)} appears more than once`,
          reason:
            "Python's zipfile returns the last entry of a name, other readers the first: a scanner and a loader can read different contents under one name. Both were scanned.",
          evidence: { ...member, entries: [first, entry.index] },
        }),
      );
    } else {
      seen.set(name, entry.index);
    }
    if (entry.isSymlink) {
      report(
        makeIssue({
          rule: "zip.symlink",
          severity: "high",
          title: `Member ${JSON.stringify(name)} is a symbolic link`,
          reason:
            "Extracting a symlink lets later members be written through it, outside the target directory. Model archives have no reason to contain links.",
          evidence: member,
          threats: UNSAFE_ARTIFACT,
        }),
      );
    }
    if (entry.encrypted) {
      report(
        makeIssue({
          rule: "zip.encrypted",
          severity: "high",
          title: `Member ${JSON.stringify(name)} is encrypted and could not be scanned`,
          reason:
            "Its contents are hidden from the scanner. Anyone holding the password can load it; obtain an unencrypted copy and scan that.",
          evidence: { ...member, flags: entry.flags, method: entry.method },
        }),
      );
    } else if (!SUPPORTED_METHODS.has(entry.method)) {
      report(
        makeIssue({
          rule: "zip.unsupported-method",
          severity: "high",
          title: `Member ${JSON.stringify(name)} uses ${methodName(entry.method)} and was not scanned`,
          reason:
            "The scanner cannot decompress this method, so the member's contents are unknown. Repack the archive with deflate or stored members and scan again.",
          evidence: { ...member, method: entry.method },
        }),
      );
    }
    const odd = entry.flags & (FLAGS_RESERVED | FLAG_PATCHED);
    if (odd !== 0) {
      report(
        makeIssue({
          rule: "zip.unusual-flags",
          severity: "low",
          title: `Member ${JSON.stringify(name)} sets reserved or patch-data flag bits`,
          reason:
            "No ordinary writer sets these bits; readers may interpret the member differently.",
          evidence: {
            ...member,
            flags: `0x${entry.flags.toString(16)}`,
            unusual: `0x${odd.toString(16)}`,
          },
        }),
      );
    }
    if (entry.method === 0 && entry.compressedSize !== entry.uncompressedSize && !entry.encrypted) {
      report(
        makeIssue({
          rule: "zip.header-mismatch",
          severity: "high",
          title: `Stored member ${JSON.stringify(name)} has different stored and original sizes`,
          reason:
            "An uncompressed member must have equal sizes; readers that use one or the other read different bytes. The stored bytes were scanned.",
          evidence: {
            ...member,
            compressedSize: entry.compressedSize,
            uncompressedSize: entry.uncompressedSize,
          },
        }),
      );
    }
  }
}

async function readLocalHeader(
  source: ByteSource,
  entry: ZipEntry,
  cdStart: number,
  report: Report,
): Promise<void> {
  const { name } = entry;
  const at = entry.localHeaderOffset;
  if (at + LOCAL_HEADER_SIZE > cdStart) {
    report(
      makeIssue({
        rule: "zip.out-of-bounds",
        severity: "high",
        title: `Member ${JSON.stringify(name)} points ${at >= source.size ? "past the end of the file" : "into the central directory"}`,
        reason:
          "Its local header offset is outside the member area, so readers either fail or read directory bytes as data. The member was not scanned.",
        evidence: {
          member: name,
          localHeaderOffset: at,
          centralDirectoryOffset: cdStart,
          size: source.size,
        },
      }),
    );
    return;
  }
  const fixed = await source.read(at, LOCAL_HEADER_SIZE);
  const local = parseLocalHeader(fixed, 0);
  if (local === undefined) {
    report(
      makeIssue({
        rule: "zip.header-mismatch",
        severity: "high",
        title: `No local header where member ${JSON.stringify(name)} should start`,
        reason:
          "The central directory points at bytes that are not a local file header; loaders fail or read something else there. The member was not scanned.",
        evidence: { member: name, localHeaderOffset: at },
        offset: at,
      }),
    );
    return;
  }
  const variable = await source.read(at + LOCAL_HEADER_SIZE, local.nameLength + local.extraLength);
  if (variable.length < local.nameLength + local.extraLength) {
    report(outOfBounds(entry, "its local header runs past the end of the file"));
    return;
  }
  const localNameBytes = variable.subarray(0, local.nameLength);
  const localExtra = variable.subarray(local.nameLength);
  entry.localName = decodeName(localNameBytes, (local.flags & FLAG_UTF8) !== 0);
  if (!bytesEqual(localNameBytes, entry.nameBytes) || entry.localName !== entry.name) {
    report(
      makeIssue({
        rule: "zip.name-mismatch",
        severity: "high",
        title: `Local header names ${JSON.stringify(entry.localName)}, central directory ${JSON.stringify(name)}`,
        reason:
          "Readers that go by the central directory (Python, PyTorch) and streaming readers that go by local headers see different file names, so a loader and a scanner can read different files. Rebuild the archive.",
        evidence: { member: name, localName: entry.localName },
        offset: at,
      }),
    );
  }
  compareHeaders(entry, local, localExtra, report);
  const dataOffset = at + LOCAL_HEADER_SIZE + local.nameLength + local.extraLength;
  entry.dataOffset = dataOffset;
  const dataEnd = dataOffset + entry.compressedSize;
  if (!Number.isFinite(dataEnd) || dataEnd > source.size) {
    report(outOfBounds(entry, "its data runs past the end of the file"));
    entry.end = source.size;
    return;
  }
  entry.end = dataEnd;
  if (entry.flags & FLAG_DATA_DESCRIPTOR)
    entry.end += await readDescriptor(source, entry, dataEnd, report);
  if (entry.end > cdStart) {
    report(
      makeIssue({
        rule: "zip.overlap",
        severity: "high",
        title: `Member ${JSON.stringify(name)} runs into the central directory`,
        reason:
          "Its data overlaps the directory, so directory bytes are read as member content; no writer produces this.",
        evidence: { member: name, end: entry.end, centralDirectoryOffset: cdStart },
        offset: at,
      }),
    );
  }
}

function outOfBounds(entry: ZipEntry, what: string) {
  return makeIssue({
    rule: "zip.out-of-bounds",
    severity: "high",
    title: `Member ${JSON.stringify(entry.name)}: ${what}`,
    reason:
      "The archive is truncated or its sizes are forged; loaders read garbage or fail. What exists of the member was scanned.",
    evidence: {
      member: entry.name,
      localHeaderOffset: entry.localHeaderOffset,
      compressedSize: entry.compressedSize,
    },
  });
}

function compareHeaders(
  entry: ZipEntry,
  local: LocalHeader,
  localExtra: Uint8Array,
  report: Report,
): void {
  const differences: Record<string, [unknown, unknown]> = {};
  if (local.method !== entry.method) differences.method = [entry.method, local.method];
  if ((local.flags & FLAG_ENCRYPTED) !== (entry.flags & FLAG_ENCRYPTED)) {
    differences.encrypted = [
      (entry.flags & FLAG_ENCRYPTED) !== 0,
      (local.flags & FLAG_ENCRYPTED) !== 0,
    ];
  }
  if ((local.flags & FLAG_DATA_DESCRIPTOR) === 0 && (entry.flags & FLAG_DATA_DESCRIPTOR) === 0) {
    let compressed = local.compressedSize;
    let uncompressed = local.uncompressedSize;
    if (isMax32(compressed) || isMax32(uncompressed)) {
      const field = parseExtra(localExtra).fields.find((f) => f.id === EXTRA_ZIP64);
      // In a local header the ZIP64 field holds both sizes whenever either is maxed (4.5.3).
      const values = field
        ? parseZip64Extra(field.data, {
            uncompressed: true,
            compressed: true,
            offset: false,
            disk: false,
          })
        : undefined;
      if (values) {
        compressed = values.compressedSize ?? compressed;
        uncompressed = values.uncompressedSize ?? uncompressed;
      }
    }
    if (local.crc32 !== entry.crc32) differences.crc32 = [entry.crc32, local.crc32];
    if (compressed !== entry.compressedSize)
      differences.compressedSize = [entry.compressedSize, compressed];
    if (uncompressed !== entry.uncompressedSize)
      differences.uncompressedSize = [entry.uncompressedSize, uncompressed];
  }
  if (Object.keys(differences).length === 0) return;
  report(
    makeIssue({
      rule: "zip.header-mismatch",
      severity: "high",
      title: `Member ${JSON.stringify(entry.name)}: local header and central directory disagree on ${Object.keys(differences).join(", ")}`,
      reason:
        "Streaming readers trust the local header, Python and PyTorch the central directory; they decode the member differently. Values are [central, local].",
      evidence: { member: entry.name, ...differences },
      offset: entry.localHeaderOffset,
    }),
  );
}

/** Length of the data descriptor after a member, checked against the central directory. */
async function readDescriptor(
  source: ByteSource,
  entry: ZipEntry,
  at: number,
  report: Report,
): Promise<number> {
  const b = await source.read(at, 24);
  const signed = b.length >= 4 && u32At(b, 0) === SIG_DESCRIPTOR;
  const base = signed ? 4 : 0;
  const fits32 =
    b.length >= base + 12 &&
    u32At(b, base) === entry.crc32 &&
    u32At(b, base + 4) === entry.compressedSize &&
    u32At(b, base + 8) === entry.uncompressedSize;
  if (fits32) return base + 12;
  const fits64 =
    b.length >= base + 20 &&
    u32At(b, base) === entry.crc32 &&
    u32At(b, base + 4) + u32At(b, base + 8) * 0x1_0000_0000 === entry.compressedSize &&
    u32At(b, base + 12) + u32At(b, base + 16) * 0x1_0000_0000 === entry.uncompressedSize;
  if (fits64) return base + 20;
  report(
    makeIssue({
      rule: "zip.header-mismatch",
      severity: "medium",
      title: `Member ${JSON.stringify(entry.name)}: data descriptor disagrees with the central directory`,
      reason:
        "Streaming readers take sizes and CRC from the descriptor after the data; here they differ from the central directory, so the two kinds of reader decode different bytes.",
      evidence: { member: entry.name, descriptorOffset: at },
      offset: at,
    }),
  );
  return signed ? 16 : 12;
}

function checkLayout(entries: ZipEntry[], report: Report): void {
  const located = entries
    .filter((e) => e.dataOffset !== undefined)
    .sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  let previous: ZipEntry | undefined;
  for (const entry of located) {
    if (previous !== undefined && entry.localHeaderOffset < previous.end) {
      const same = entry.localHeaderOffset === previous.localHeaderOffset;
      report(
        makeIssue({
          rule: "zip.overlap",
          severity: "high",
          title: same
            ? `Members ${JSON.stringify(previous.name)} and ${JSON.stringify(entry.name)} share one local header`
            : `Member ${JSON.stringify(entry.name)} overlaps ${JSON.stringify(previous.name)}`,
          reason:
            "Overlapping members are how non-recursive zip bombs multiply their output, and let one set of bytes pass as two files. No writer produces them.",
          evidence: {
            member: entry.name,
            other: previous.name,
            start: entry.localHeaderOffset,
            otherEnd: previous.end,
          },
          offset: entry.localHeaderOffset,
        }),
      );
    }
    if (previous === undefined || entry.end > previous.end) previous = entry;
  }
}

interface RegionContext {
  entries: ZipEntry[];
  /** False when the directory was not read to its end: unlisted records are not "hidden". */
  complete: boolean;
  cdStart: number;
  cdEnd: number;
  directoryEnd: number;
  zip64: Zip64Eocd | undefined;
  eocd: EndOfCentralDirectory;
  options: ZipReadOptions;
}

/** Finds bytes nothing accounts for; local headers among them become hidden entries. */
async function findRegions(source: ByteSource, c: RegionContext): Promise<ZipRegion[]> {
  const { report, limits } = c.options;
  const spans = c.entries
    .filter((e) => e.dataOffset !== undefined)
    .map((e) => [e.localHeaderOffset, Math.min(e.end, c.cdStart)] as const)
    .sort((a, b) => a[0] - b[0]);
  const gaps: ZipRegion[] = [];
  let cursor = 0;
  for (const [start, end] of spans) {
    if (start > cursor)
      gaps.push({ kind: cursor === 0 ? "prepended" : "gap", offset: cursor, size: start - cursor });
    cursor = Math.max(cursor, end);
  }
  if (c.cdStart > cursor)
    gaps.push({
      kind: cursor === 0 ? "prepended" : "gap",
      offset: cursor,
      size: c.cdStart - cursor,
    });
  if (c.directoryEnd > c.cdEnd)
    gaps.push({ kind: "gap", offset: c.cdEnd, size: c.directoryEnd - c.cdEnd });
  if (c.zip64) {
    const zip64End = c.zip64.offset + c.zip64.length;
    const locator = c.eocd.offset - ZIP64_LOCATOR_SIZE;
    if (locator > zip64End) gaps.push({ kind: "gap", offset: zip64End, size: locator - zip64End });
  }

  const regions: ZipRegion[] = [];
  let hiddenCount = 0;
  for (const gap of c.complete ? gaps : []) {
    let offset = gap.offset;
    const end = gap.offset + gap.size;
    // A local header in unaccounted bytes is a member only streaming readers see.
    while (offset < end && hiddenCount < limits.maxMembers) {
      const hidden = await hiddenEntry(source, offset, end, c.entries.length);
      if (hidden === undefined) break;
      hiddenCount++;
      c.entries.push(hidden);
      report(
        makeIssue({
          rule: "zip.hidden-member",
          severity: "high",
          title: `Local header for ${JSON.stringify(hidden.name)} at offset ${offset} is not in the central directory`,
          reason:
            "Readers that stream local headers (Java's ZipInputStream, many extractors) see this member while Python and PyTorch do not: content can be smuggled past a scanner that trusts the directory. It was scanned.",
          evidence: { member: hidden.name, offset },
          offset,
        }),
      );
      offset = hidden.end;
    }
    if (offset >= end) continue;
    // APPNOTE 8.5.4: a single-segment archive may start with a spanning marker; it is no payload.
    if (gap.kind === "prepended" && offset === 0 && end === 4 && (await isSpanningMarker(source)))
      continue;
    const region: ZipRegion = { kind: gap.kind, offset, size: end - offset };
    regions.push(region);
    report(
      region.kind === "prepended"
        ? makeIssue({
            rule: "zip.prepended-data",
            severity: "medium",
            title: `${region.size} bytes before the first zip member`,
            reason:
              "Data in front of a zip makes a polyglot: a loader that looks at the start (torch.load falls back to pickle when the file does not start with a zip header) reads something else than a zip reader. The bytes were scanned on their own.",
            evidence: { bytes: region.size },
            offset: region.offset,
          })
        : makeIssue({
            rule: "zip.hidden-data",
            severity: "medium",
            title: `${region.size} bytes inside the zip belong to no member`,
            reason:
              "Unaccounted bytes between records can carry a payload that some tool extracts. They were scanned on their own.",
            evidence: { bytes: region.size },
            offset: region.offset,
          }),
    );
  }

  const eocdEnd = c.eocd.offset + EOCD_SIZE + c.eocd.commentLength;
  if (eocdEnd < source.size) {
    const region: ZipRegion = { kind: "appended", offset: eocdEnd, size: source.size - eocdEnd };
    regions.push(region);
    report(
      makeIssue({
        rule: "zip.appended-data",
        severity: "medium",
        title: `${region.size} bytes after the zip end record`,
        reason:
          "Data after the end of a zip makes a polyglot that other tools read as another format. The bytes were scanned on their own.",
        evidence: { bytes: region.size },
        offset: region.offset,
      }),
    );
  } else if (eocdEnd > source.size) {
    report(
      makeIssue({
        rule: "zip.malformed-end-record",
        severity: "low",
        title: "Zip comment length runs past the end of the file",
        reason:
          "The file is truncated or the end record was edited; readers differ on whether to accept it.",
        evidence: {
          commentLength: c.eocd.commentLength,
          available: source.size - c.eocd.offset - EOCD_SIZE,
        },
        offset: c.eocd.offset,
      }),
    );
  }
  return regions;
}

async function isSpanningMarker(source: ByteSource): Promise<boolean> {
  const marker = u32At(await source.read(0, 4), 0);
  return marker === SIG_DESCRIPTOR || marker === 0x30304b50;
}

async function hiddenEntry(
  source: ByteSource,
  offset: number,
  limit: number,
  index: number,
): Promise<ZipEntry | undefined> {
  const fixed = await source.read(offset, LOCAL_HEADER_SIZE);
  const local = parseLocalHeader(fixed, 0);
  if (local === undefined) return undefined;
  const nameBytes = (await source.read(offset + LOCAL_HEADER_SIZE, local.nameLength)).slice();
  const dataOffset = offset + LOCAL_HEADER_SIZE + local.nameLength + local.extraLength;
  // With a data descriptor the local sizes are zero and the length is unknown without decoding.
  const sized = (local.flags & FLAG_DATA_DESCRIPTOR) === 0 && !isMax32(local.compressedSize);
  const end = sized ? dataOffset + local.compressedSize : limit;
  if (end > limit) return undefined;
  const name = decodeName(nameBytes, (local.flags & FLAG_UTF8) !== 0);
  return {
    index,
    name,
    nameBytes,
    localName: name,
    flags: local.flags,
    method: local.method,
    crc32: local.crc32,
    compressedSize: end - dataOffset,
    uncompressedSize: sized ? local.uncompressedSize : 0,
    localHeaderOffset: offset,
    dataOffset,
    end,
    isDirectory: name.endsWith("/"),
    isSymlink: false,
    encrypted: (local.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) !== 0,
    hidden: true,
  };
}

export interface OpenMemberOptions extends ZipReadOptions {
  budget: ExpansionBudget;
}

/**
 * The member's content: a slice of the file when stored, a capped decompression otherwise.
 * Undefined when nothing of it can be read (encrypted, unsupported method, no local header);
 * those were reported by readZip. Decompression failures and bombs are reported here, and the
 * bytes decoded before the failure are returned, since a pickle runs as far as it is read.
 */
export async function openZipMember(
  archive: ZipArchive,
  entry: ZipEntry,
  options: OpenMemberOptions,
): Promise<ByteSource | undefined> {
  const { report, limits, budget } = options;
  const method = SUPPORTED_METHODS.get(entry.method);
  if (entry.encrypted || method === undefined || entry.dataOffset === undefined) return undefined;
  const { source } = archive;
  const available = Math.max(0, Math.min(entry.compressedSize, source.size - entry.dataOffset));
  const raw = new SliceSource(source, entry.dataOffset, available);
  const member = { member: entry.name };
  const crcMismatch = (actual: number) =>
    makeIssue({
      rule: "zip.crc-mismatch",
      severity: "medium",
      title: `Member ${JSON.stringify(entry.name)} fails its CRC check`,
      reason:
        "PyTorch's loader ignores CRCs while Python's zipfile refuses the member, so scanners built on zipfile skip what torch.load runs. The content was scanned as it is.",
      evidence: { ...member, expected: hex(entry.crc32), actual: hex(actual) },
      offset: entry.localHeaderOffset,
    });
  if (method === "stored") {
    if (available <= STORED_CRC_CHECK_BYTES && !entry.hidden) {
      const actual = crc32(await raw.read(0, available));
      if (actual !== entry.crc32) report(crcMismatch(actual));
    }
    return raw;
  }
  const info: DecodeInfo = {};
  const result = await expand(method, raw, { limits, budget: budget.remaining, info });
  if (result.status === "ok") {
    budget.remaining -= result.size;
    if (info.consumed !== undefined && info.consumed < available) {
      report(
        makeIssue({
          rule: "zip.hidden-data",
          severity: "low",
          title: `Member ${JSON.stringify(entry.name)} has ${available - info.consumed} bytes after its compressed stream`,
          reason:
            "The compressed size covers more than the deflate stream uses; loaders ignore the slack, but it can carry data for another tool.",
          evidence: { ...member, slack: available - info.consumed },
          offset: entry.dataOffset + info.consumed,
        }),
      );
    }
    if (result.crc32 !== entry.crc32 && !entry.hidden) report(crcMismatch(result.crc32));
    if (result.size !== entry.uncompressedSize && !entry.hidden) {
      report(
        makeIssue({
          rule: "zip.size-mismatch",
          severity: "medium",
          title: `Member ${JSON.stringify(entry.name)} decompresses to ${result.size} bytes, not the ${entry.uncompressedSize} declared`,
          reason:
            "Loaders that stop at the declared size read less than the scanner; all decoded bytes were scanned.",
          evidence: { ...member, declared: entry.uncompressedSize, actual: result.size },
          offset: entry.localHeaderOffset,
        }),
      );
    }
    return result.source;
  }
  budget.remaining -= result.produced;
  if (result.status === "limit") {
    const memory = result.limit === "memory";
    report(
      makeIssue({
        rule: memory ? "zip.too-large" : "zip.bomb",
        severity: "high",
        title: memory
          ? `Member ${JSON.stringify(entry.name)} is too large to decompress in memory and was not fully scanned`
          : `Member ${JSON.stringify(entry.name)} expands past the ${result.limit} limit (zip bomb)`,
        reason: memory
          ? "This compression method must be decoded in memory; raise limits.maxInMemoryBytes to scan it."
          : "Decompression stopped at the limit: the member would exhaust memory or disk when loaded. Only its first bytes were scanned.",
        evidence: {
          ...member,
          limit: result.limit,
          cap: result.cap,
          decoded: result.produced,
          compressedSize: entry.compressedSize,
          declaredSize: entry.uncompressedSize,
        },
        offset: entry.localHeaderOffset,
      }),
    );
  } else {
    report(
      makeIssue({
        rule: "zip.corrupt-member",
        severity: "high",
        title: `Member ${JSON.stringify(entry.name)} could not be decompressed: ${result.message}`,
        reason:
          "Its content is unknown past the failure point; loaders that decode leniently may still read it. The bytes decoded before the failure were scanned.",
        evidence: { ...member, error: result.message, decoded: result.produced },
        offset: entry.localHeaderOffset,
      }),
    );
  }
  return result.prefix.length > 0 ? new BufferSource(result.prefix) : undefined;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, "0")}`;
}
