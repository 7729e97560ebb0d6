import { type ByteSource, SliceSource } from "../byteSource.js";
import type { ScanContext, ScanInput } from "../types.js";
import { release } from "./expand.js";
import { cappedReporter } from "./issues.js";
import { openZipMember, readZip, type ZipArchive, type ZipEntry } from "./zipReader.js";

/**
 * The walk every zip-based format shares (generic zip, PyTorch, TorchScript, .npz): read the
 * directory, report what zipReader finds, and hand every readable member — hidden ones and
 * unaccounted regions included — to ctx.scanNested, where its format is detected by content.
 * Format scanners add their own checks through the hooks.
 */

export interface ZipContainerHooks {
  /** Called once the directory is read, before any member is opened. */
  prepare?(archive: ZipArchive): void | Promise<void>;
  /** Called with each member's content before it is handed on. */
  visit?(entry: ZipEntry, source: ByteSource): void | Promise<void>;
}

export async function scanZipContainer(
  input: ScanInput,
  ctx: ScanContext,
  hooks: ZipContainerHooks = {},
): Promise<ZipArchive | undefined> {
  const reporter = cappedReporter((issue) => ctx.report(issue));
  const options = { limits: ctx.limits, report: reporter.report };
  try {
    const archive = await readZip(input.source, options);
    if (archive === undefined) return undefined;
    await hooks.prepare?.(archive);
    const budget = { remaining: ctx.limits.maxExpandedBytes };
    for (const entry of archive.entries) {
      if (entry.isDirectory && entry.compressedSize === 0) continue;
      const source = await openZipMember(archive, entry, { ...options, budget });
      if (source === undefined) continue;
      try {
        await hooks.visit?.(entry, source);
        await ctx.scanNested(memberPath(entry), source);
      } finally {
        await release(source);
      }
    }
    for (const region of archive.regions) {
      await ctx.scanNested(
        `<${region.kind}@${region.offset}>`,
        new SliceSource(input.source, region.offset, region.size),
      );
    }
    return archive;
  } finally {
    reporter.flush();
  }
}

/** The name a member is scanned under: its own, marked when no central entry lists it. */
export function memberPath(entry: ZipEntry): string {
  return entry.hidden ? `<hidden@${entry.localHeaderOffset}>/${entry.name}` : entry.name;
}

/** Name of the first local header in `head`, for content-based detection of zip flavours. */
export function firstLocalName(head: Uint8Array): string | undefined {
  if (head.length < 30 || head[0] !== 0x50 || head[1] !== 0x4b || head[2] !== 3 || head[3] !== 4) {
    return undefined;
  }
  const nameLength = head[26]! | (head[27]! << 8);
  if (30 + nameLength > head.length) return undefined;
  return new TextDecoder("utf-8", { fatal: false }).decode(head.subarray(30, 30 + nameLength));
}
