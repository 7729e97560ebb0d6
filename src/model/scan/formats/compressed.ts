import type { Codec, DecodeInfo } from "../archive/codecs.js";
import { expand, release } from "../archive/expand.js";
import { makeIssue } from "../archive/issues.js";
import { BufferSource, type ByteSource, SliceSource } from "../byteSource.js";
import type { FormatScanner, ModelFormat, ScanContext, ScanInput } from "../types.js";

/**
 * Single-stream compressors around a model file (`model.pkl.gz`, a joblib dump with
 * compress=…, `weights.tar.xz`): gzip (RFC 1952), zlib (RFC 1950), bzip2, xz (.xz format,
 * LZMA2) and LZ4 frames. The stream is decompressed under the scan limits (archive/expand.ts:
 * `maxExpandedBytes`, `maxCompressionRatio` past 16 MiB, in memory only up to
 * `maxInMemoryBytes` for bzip2 and xz) and handed to ctx.scanNested under the file's name
 * without its compression suffix, where its own format is detected by content. Bombs, corrupt
 * streams and data after the last stream are reported (`compressed.*`); what was decoded
 * before a failure is still scanned, because a pickle runs as far as it is read.
 */

interface Flavour {
  format: ModelFormat;
  codec: Codec;
  label: string;
  suffixes: [string, string][];
  detect(head: Uint8Array): boolean;
}

const FLAVOURS: Flavour[] = [
  {
    format: "gzip",
    codec: "gzip",
    label: "gzip",
    suffixes: [
      [".tgz", ".tar"],
      [".gz", ""],
      [".gzip", ""],
    ],
    detect: (h) =>
      h.length >= 10 && h[0] === 0x1f && h[1] === 0x8b && h[2] === 8 && (h[3]! & 0xe0) === 0,
  },
  {
    format: "zlib",
    codec: "zlib",
    label: "zlib",
    suffixes: [
      [".zlib", ""],
      [".zz", ""],
      [".z", ""],
      [".deflate", ""],
    ],
    detect: (h) =>
      h.length >= 3 &&
      h[0] === 0x78 &&
      [0x01, 0x5e, 0x9c, 0xda].includes(h[1]!) &&
      ((h[0] << 8) | h[1]!) % 31 === 0,
  },
  {
    format: "bzip2",
    codec: "bzip2",
    label: "bzip2",
    suffixes: [
      [".tbz2", ".tar"],
      [".tbz", ".tar"],
      [".bz2", ""],
      [".bz", ""],
    ],
    detect: (h) =>
      h.length >= 10 &&
      h[0] === 0x42 &&
      h[1] === 0x5a &&
      h[2] === 0x68 &&
      h[3]! >= 0x31 &&
      h[3]! <= 0x39 &&
      // The first block's magic (π) or the end-of-stream magic (√π) of an empty stream.
      ((h[4] === 0x31 &&
        h[5] === 0x41 &&
        h[6] === 0x59 &&
        h[7] === 0x26 &&
        h[8] === 0x53 &&
        h[9] === 0x59) ||
        (h[4] === 0x17 &&
          h[5] === 0x72 &&
          h[6] === 0x45 &&
          h[7] === 0x38 &&
          h[8] === 0x50 &&
          h[9] === 0x90)),
  },
  {
    format: "xz",
    codec: "xz",
    label: "xz",
    suffixes: [
      [".txz", ".tar"],
      [".xz", ""],
    ],
    detect: (h) =>
      h.length >= 12 &&
      h[0] === 0xfd &&
      h[1] === 0x37 &&
      h[2] === 0x7a &&
      h[3] === 0x58 &&
      h[4] === 0x5a &&
      h[5] === 0,
  },
  {
    format: "lz4",
    codec: "lz4",
    label: "LZ4",
    suffixes: [[".lz4", ""]],
    detect: (h) =>
      h.length >= 7 &&
      h[0] === 0x04 &&
      h[1] === 0x22 &&
      h[2] === 0x4d &&
      h[3] === 0x18 &&
      h[4]! >> 6 === 1,
  },
];

function scannerFor(flavour: Flavour): FormatScanner {
  return {
    format: flavour.format,
    description: `${flavour.label} stream: decompressed within the bomb limits and its content scanned`,
    detect: (head) => flavour.detect(head),
    scan: (input, ctx) => scanCompressed(flavour, input, ctx),
  };
}

export const gzipScanner = scannerFor(FLAVOURS[0]!);
export const zlibScanner = scannerFor(FLAVOURS[1]!);
export const bzip2Scanner = scannerFor(FLAVOURS[2]!);
export const xzScanner = scannerFor(FLAVOURS[3]!);
export const lz4Scanner = scannerFor(FLAVOURS[4]!);

export const COMPRESSED_SCANNERS: readonly FormatScanner[] = [
  gzipScanner,
  zlibScanner,
  bzip2Scanner,
  xzScanner,
  lz4Scanner,
];

async function scanCompressed(flavour: Flavour, input: ScanInput, ctx: ScanContext): Promise<void> {
  const info: DecodeInfo = {};
  const result = await expand(flavour.codec, input.source, { limits: ctx.limits, info });
  const inner = innerName(input.name, flavour, info.originalName);
  if (result.status === "ok") {
    try {
      await ctx.scanNested(inner, result.source);
    } finally {
      await release(result.source);
    }
  } else if (result.status === "limit") {
    const memory = result.limit === "memory";
    ctx.report(
      makeIssue({
        rule: memory ? "compressed.too-large" : "compressed.bomb",
        severity: "high",
        title: memory
          ? `${flavour.label} stream too large to decompress in memory; not fully scanned`
          : `${flavour.label} stream expands past the ${result.limit} limit (decompression bomb)`,
        reason: memory
          ? "This compression must be decoded in memory; raise limits.maxInMemoryBytes to scan it, or recompress with gzip."
          : "Decompression stopped at the limit: loading the file would exhaust memory or disk. Only its first bytes were scanned.",
        evidence: {
          codec: flavour.codec,
          limit: result.limit,
          cap: result.cap,
          decoded: result.produced,
          compressed: input.source.size,
        },
      }),
    );
    if (result.prefix.length > 0) await ctx.scanNested(inner, new BufferSource(result.prefix));
    return;
  } else {
    ctx.report(
      makeIssue({
        rule: "compressed.corrupt",
        severity: "high",
        title: `${flavour.label} stream is corrupt or truncated: ${result.message}`,
        reason:
          "Content past the failure point could not be scanned; loaders that decode leniently may still read it. The bytes decoded before the failure were scanned.",
        evidence: { codec: flavour.codec, error: result.message, decoded: result.produced },
      }),
    );
    if (result.prefix.length > 0) await ctx.scanNested(inner, new BufferSource(result.prefix));
    return;
  }
  const trailing = trailingOffset(info, flavour, input.source);
  if (trailing !== undefined) {
    const size = input.source.size - trailing;
    ctx.report(
      makeIssue({
        rule: "compressed.trailing-data",
        severity: "medium",
        title: `${size} bytes after the end of the ${flavour.label} stream`,
        reason:
          "Decompressors stop at the end of the stream (Python's bz2 and lzma readers skip what follows), so the bytes can carry a payload for another tool. They were scanned on their own.",
        evidence: { codec: flavour.codec, bytes: size },
        offset: trailing,
      }),
    );
    await ctx.scanNested(`${inner}:trailing`, new SliceSource(input.source, trailing, size));
  }
}

function trailingOffset(
  info: DecodeInfo,
  flavour: Flavour,
  source: ByteSource,
): number | undefined {
  if (info.trailingOffset !== undefined) return info.trailingOffset;
  // zlib streams end on their own; a consumed count short of the input means bytes follow.
  if (flavour.codec === "zlib" && info.consumed !== undefined && info.consumed < source.size)
    return info.consumed;
  return undefined;
}

/** The name without the compression suffix (`model.pkl.gz` → `model.pkl`, `a.tgz` → `a.tar`). */
function innerName(name: string, flavour: Flavour, originalName?: string): string {
  const lower = name.toLowerCase();
  for (const [suffix, replacement] of flavour.suffixes) {
    if (lower.endsWith(suffix) && name.length > suffix.length)
      return name.slice(0, -suffix.length) + replacement;
  }
  if (originalName && !/[/\\]/.test(originalName) && originalName.length > 0) return originalName;
  return name;
}
