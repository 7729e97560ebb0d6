import { type ByteSource, SliceSource } from "../byteSource.js";
import { UNSAFE_ARTIFACT } from "../threats.js";
import type { ScanContext, ScanInput } from "../types.js";
import { cappedReporter, makeIssue, type Report } from "./issues.js";
import { checkMemberName, linkEscapes } from "./paths.js";
import { readTar, type TarArchive, type TarEntry } from "./tarReader.js";

/**
 * The walk shared by the tar-based formats (plain tar, PyTorch's legacy tar checkpoint):
 * report names that escape the extraction directory, links, device files and duplicates, then
 * hand every regular member to ctx.scanNested as a slice of the file (tar stores, it never
 * compresses), and any data after the end of the archive as `<appended@offset>`.
 */

export interface TarContainerHooks {
  prepare?(archive: TarArchive): void | Promise<void>;
  visit?(entry: TarEntry, source: ByteSource): void | Promise<void>;
  /** What to hand on for a member, when a format knows better than its raw bytes. */
  content?(entry: TarEntry, source: ByteSource): Promise<ByteSource>;
}

const REGULAR = new Set(["0", "7"]);
const KNOWN = new Set(["0", "1", "2", "3", "4", "5", "6", "7"]);

export async function scanTarContainer(
  input: ScanInput,
  ctx: ScanContext,
  hooks: TarContainerHooks = {},
): Promise<TarArchive> {
  const reporter = cappedReporter((issue) => ctx.report(issue));
  try {
    const archive = await readTar(input.source, { limits: ctx.limits, report: reporter.report });
    checkEntries(archive.entries, reporter.report);
    await hooks.prepare?.(archive);
    for (const entry of archive.entries) {
      // POSIX reads unknown type flags as regular files, and so does tarfile.
      const regular = REGULAR.has(entry.type) || !KNOWN.has(entry.type);
      if (!regular || entry.available === 0) continue;
      const source = new SliceSource(input.source, entry.dataOffset, entry.available);
      await hooks.visit?.(entry, source);
      await ctx.scanNested(entry.name, hooks.content ? await hooks.content(entry, source) : source);
    }
    if (archive.trailing) {
      const { offset, size } = archive.trailing;
      reporter.report(
        makeIssue({
          rule: "tar.appended-data",
          severity: "medium",
          title: `${size} bytes after the end of the tar archive`,
          reason:
            "Data after the end-of-archive marker is ignored by tar readers but can be read by other tools (a polyglot). It was scanned on its own.",
          evidence: { bytes: size },
          offset,
        }),
      );
      await ctx.scanNested(`<appended@${offset}>`, new SliceSource(input.source, offset, size));
    }
    return archive;
  } finally {
    reporter.flush();
  }
}

function checkEntries(entries: TarEntry[], report: Report): void {
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const { name } = entry;
    const names = checkMemberName(name);
    if (names.traversal.length > 0) {
      report(
        makeIssue({
          rule: "tar.path-traversal",
          severity: "high",
          title: `Member name ${JSON.stringify(name)} escapes the extraction directory`,
          reason:
            "Extracting this archive writes outside the target directory; Python's tarfile follows such names unless a filter is set (before 3.14). Do not extract it.",
          evidence: { member: name, problems: names.traversal },
          offset: entry.headerOffset,
          threats: UNSAFE_ARTIFACT,
        }),
      );
    }
    if (names.confusing.length > 0) {
      report(
        makeIssue({
          rule: "tar.suspicious-name",
          severity: "medium",
          title: `Member name ${JSON.stringify(name)} contains ${names.confusing.join(", ")}`,
          reason: "Readers cut or escape such names differently.",
          evidence: { member: name, problems: names.confusing },
          offset: entry.headerOffset,
        }),
      );
    }
    if (entry.type === "1" || entry.type === "2") {
      const kind = entry.type === "2" ? "symbolic" : "hard";
      report(
        makeIssue({
          rule: "tar.link",
          severity: "high",
          title: `Member ${JSON.stringify(name)} is a ${kind} link to ${JSON.stringify(entry.linkName)}`,
          reason:
            "Links in an archive let extraction write or read through them outside the target directory (CVE-2007-4559 and its successors). Model archives have no reason to contain links.",
          evidence: {
            member: name,
            link: kind,
            target: entry.linkName,
            escapes: linkEscapes(name, entry.linkName),
          },
          offset: entry.headerOffset,
          threats: UNSAFE_ARTIFACT,
        }),
      );
    } else if (entry.type === "3" || entry.type === "4" || entry.type === "6") {
      report(
        makeIssue({
          rule: "tar.special-file",
          severity: "medium",
          title: `Member ${JSON.stringify(name)} is a ${entry.type === "6" ? "FIFO" : "device file"}`,
          reason:
            "Extracting it as root creates a device node or pipe; model archives never need one.",
          evidence: { member: name, type: entry.type },
          offset: entry.headerOffset,
          threats: UNSAFE_ARTIFACT,
        }),
      );
    } else if (!KNOWN.has(entry.type)) {
      report(
        makeIssue({
          rule: "tar.unusual-entry",
          severity: "low",
          title: `Member ${JSON.stringify(name)} has type flag ${JSON.stringify(entry.type)}`,
          reason:
            "Readers treat vendor and sparse entries differently (POSIX says: as a regular file). Its bytes were scanned as they are stored.",
          evidence: { member: name, type: entry.type },
          offset: entry.headerOffset,
        }),
      );
    }
    if (entry.type !== "5") {
      const first = seen.get(name);
      if (first !== undefined) {
        report(
          makeIssue({
            rule: "tar.duplicate-name",
            severity: "high",
            title: `Member name ${JSON.stringify(name)} appears more than once`,
            reason:
              "tarfile.getmember returns the last member of a name and extraction overwrites earlier ones, while a scanner going front to back meets the first: the two can read different contents. Both were scanned.",
            evidence: { member: name, entries: [first, index] },
            offset: entry.headerOffset,
          }),
        );
      } else seen.set(name, index);
    }
  });
}
