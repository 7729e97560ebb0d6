import { RATIO_GRACE_BYTES } from "../archive/expand.js";
import { cappedReporter, makeIssue, type Report } from "../archive/issues.js";
import { checkMemberName } from "../archive/paths.js";
import { type SevenZipListing, SevenZipSession } from "../archive/sevenZipRunner.js";
import { BufferSource } from "../byteSource.js";
import { UNSAFE_ARTIFACT } from "../threats.js";
import type { FormatScanner, ScanContext, ScanInput } from "../types.js";

/**
 * 7z archives (7-Zip's 7zFormat.txt; signature 37 7A BC AF 27 1C), read with 7-Zip itself
 * compiled to WebAssembly (archive/sevenZipRunner.ts). The listing is checked first —
 * encryption, traversal names, links, declared sizes against the bomb limits — and only an
 * archive that passes is extracted, in memory, with every file handed to ctx.scanNested.
 * Anything 7-Zip cannot open is reported as `7z.unreadable` (high): an archive the scanner
 * could not read must never pass as clean.
 *
 * Defaults: the whole archive is loaded into memory, so archives over `maxInMemoryBytes` (or
 * 1 GiB, the practical ceiling of a 32-bit WebAssembly heap) are not opened; the extracted
 * total is capped by `maxExpandedBytes`, `maxInMemoryBytes` and the ratio limit past 16 MiB.
 */

const SIGNATURE = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c];
const MAX_ARCHIVE = 1024 ** 3;

export const sevenZipScanner: FormatScanner = {
  format: "7z",
  description:
    "7z archive: listed and extracted in memory by 7-Zip (WebAssembly), every member scanned",
  detect: (head) => head.length >= 6 && SIGNATURE.every((b, i) => head[i] === b),
  scan: scanSevenZip,
};

async function scanSevenZip(input: ScanInput, ctx: ScanContext): Promise<void> {
  const reporter = cappedReporter((issue) => ctx.report(issue));
  try {
    await scan(input, ctx, reporter.report);
  } finally {
    reporter.flush();
  }
}

function unreadable(report: Report, title: string, evidence: Record<string, unknown>): void {
  report(
    makeIssue({
      rule: "7z.unreadable",
      severity: "high",
      title,
      reason:
        "The archive could not be opened or extracted, so its contents were not scanned. Unpack it with a trusted tool and scan the files, or treat it as unscanned.",
      evidence,
    }),
  );
}

async function scan(input: ScanInput, ctx: ScanContext, report: Report): Promise<void> {
  const { source } = input;
  const { limits } = ctx;
  const archiveCap = Math.min(limits.maxInMemoryBytes, MAX_ARCHIVE);
  if (source.size > archiveCap) {
    unreadable(report, `7z archive of ${source.size} bytes is too large to open in memory`, {
      size: source.size,
      limit: archiveCap,
    });
    return;
  }
  let session: SevenZipSession;
  try {
    session = await SevenZipSession.open(await source.read(0, source.size));
  } catch (error) {
    unreadable(report, "7-Zip (WebAssembly) could not be started", { error: String(error) });
    return;
  }
  const listing = session.list();
  if (listing.exitCode !== 0 || (listing.entries.length === 0 && listing.errors.length > 0)) {
    unreadable(
      report,
      `7-Zip could not open the archive${listing.errors[0] ? `: ${listing.errors[0]}` : ""}`,
      {
        exitCode: listing.exitCode,
        errors: listing.errors.slice(0, 5),
      },
    );
    return;
  }
  if (!checkListing(listing, input, ctx, report)) return;
  const extracted = session.extract();
  const errors = extracted.messages.filter((m) => m.startsWith("ERROR"));
  // 7-Zip refuses links that point outside the archive; they were reported from the listing.
  const onlyLinks = errors.length > 0 && errors.every((m) => m.includes("Dangerous link path"));
  if (extracted.exitCode !== 0 && !onlyLinks) {
    report(
      makeIssue({
        rule: "7z.corrupt",
        severity: "high",
        title: `7-Zip reported errors while extracting (exit code ${extracted.exitCode})`,
        reason:
          "Some members could not be extracted (data error, CRC failure or a wrong password) and were not scanned; the ones that were extracted were.",
        evidence: { exitCode: extracted.exitCode, messages: extracted.messages.slice(0, 5) },
      }),
    );
  }
  let total = 0;
  for (const file of extracted.files.slice(0, limits.maxMembers)) {
    total += file.data.length;
    await ctx.scanNested(file.path, new BufferSource(file.data));
  }
  if (extracted.files.length > limits.maxMembers) {
    report(
      makeIssue({
        rule: "7z.too-many-members",
        severity: "medium",
        title: `7z holds ${extracted.files.length} files; only the first ${limits.maxMembers} were scanned`,
        reason: "Members past the limit were not scanned. Raise limits.maxMembers to scan them.",
        evidence: { files: extracted.files.length, limit: limits.maxMembers, scannedBytes: total },
      }),
    );
  }
}

/** Checks the listing; false when extraction must not go ahead. */
function checkListing(
  listing: SevenZipListing,
  input: ScanInput,
  ctx: ScanContext,
  report: Report,
): boolean {
  const { limits } = ctx;
  if (listing.forged) {
    report(
      makeIssue({
        rule: "7z.suspicious-name",
        severity: "high",
        title: "A 7z member name forges lines of 7-Zip's listing",
        reason:
          "A file name containing a newline and `key = value` text can misstate sizes and attributes to tools that parse listings. The archive was not extracted.",
        evidence: { entries: listing.entries.length },
      }),
    );
    return false;
  }
  let declared = 0;
  let unknownSize = false;
  let encrypted = false;
  for (const entry of listing.entries) {
    const names = checkMemberName(entry.path);
    if (names.traversal.length > 0) {
      report(
        makeIssue({
          rule: "7z.path-traversal",
          severity: "high",
          title: `Member name ${JSON.stringify(entry.path)} escapes the extraction directory`,
          reason:
            "Extracting this archive with a careless tool writes outside the target directory. Do not extract it.",
          evidence: { member: entry.path, problems: names.traversal },
          threats: UNSAFE_ARTIFACT,
        }),
      );
    }
    if (names.confusing.length > 0) {
      report(
        makeIssue({
          rule: "7z.suspicious-name",
          severity: "medium",
          title: `Member name ${JSON.stringify(entry.path)} contains ${names.confusing.join(", ")}`,
          reason: "Readers cut or escape such names differently.",
          evidence: { member: entry.path, problems: names.confusing },
        }),
      );
    }
    if (entry.symlink) {
      report(
        makeIssue({
          rule: "7z.symlink",
          severity: "high",
          title: `Member ${JSON.stringify(entry.path)} is a symbolic link`,
          reason:
            "Extracting a link lets later members be written through it, outside the target directory.",
          evidence: { member: entry.path },
          threats: UNSAFE_ARTIFACT,
        }),
      );
    }
    if (entry.encrypted) {
      encrypted = true;
      report(
        makeIssue({
          rule: "7z.encrypted",
          severity: "high",
          title: `Member ${JSON.stringify(entry.path)} is encrypted and could not be scanned`,
          reason:
            "Its contents are hidden from the scanner. Obtain an unencrypted copy and scan that.",
          evidence: { member: entry.path, method: entry.method },
        }),
      );
    }
    if (entry.directory) continue;
    if (entry.size === undefined) unknownSize = true;
    else declared += entry.size;
  }
  if (unknownSize) {
    unreadable(report, "7z listing does not give every member's size; not extracted", {});
    return false;
  }
  const cap = Math.min(limits.maxExpandedBytes, limits.maxInMemoryBytes);
  const ratioCap = Math.max(
    RATIO_GRACE_BYTES,
    limits.maxCompressionRatio * Math.max(1, input.source.size),
  );
  if (declared > cap || declared > ratioCap) {
    report(
      makeIssue({
        rule: "7z.bomb",
        severity: "high",
        title: `7z members total ${declared} bytes, past the ${declared > cap ? "size" : "ratio"} limit`,
        reason:
          "Extracting would exhaust memory or disk (a decompression bomb), so nothing was extracted or scanned. Raise the limits only for a trusted archive.",
        evidence: { declared, compressed: input.source.size, cap: Math.min(cap, ratioCap) },
      }),
    );
    return false;
  }
  // Encrypted members fail extraction on the wrong password; the rest are still worth scanning.
  return !encrypted || listing.entries.some((e) => !e.encrypted && !e.directory);
}
