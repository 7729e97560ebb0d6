import { createHash, hash } from "node:crypto";
import { createReadStream, lstatSync, readdirSync, type Stats } from "node:fs";
import { join, relative, sep } from "node:path";
import { createFinding, type Finding, RampartError, sha256Hex } from "../../core/index.js";
import { BufferSource, type ByteSource, FileSource } from "./byteSource.js";
import type { ScanPolicy } from "./policy/index.js";
import type { ScanEvidence, ScanReport } from "./report.js";
import { MALFORMED_ARTIFACT, UNSAFE_ARTIFACT } from "./threats.js";
import {
  DEFAULT_LIMITS,
  type FormatScanner,
  type ModelFormat,
  type ScanContext,
  type ScanInput,
  type ScanIssue,
  type ScanLimits,
} from "./types.js";

/** Files scanned at once. */
const FILE_CONCURRENCY = 4;

/** How many bytes detection looks at. */
const HEAD_BYTES = 4096;

export interface ScanOptions {
  scanners: readonly FormatScanner[];
  policy: ScanPolicy;
  limits?: Partial<ScanLimits>;
  /** Paths are reported relative to this folder when under it (default: the working directory). */
  baseDir?: string;
  /** Called as work progresses: bytes of top-level files done so far, of the total. */
  onProgress?: (done: number, total: number, current: string) => void;
}

/**
 * The orchestrator: walks the paths, detects each file's format by content, runs its scanner,
 * recurses into what scanners hand back (container members, decompressed streams) with depth,
 * count and size limits, and turns every issue into a Finding. A scanner that throws, or a
 * file that cannot be read, is itself a finding: a file that could not be scanned must never
 * look like a clean one.
 */
export async function scanPaths(
  paths: readonly string[],
  options: ScanOptions,
): Promise<ScanReport> {
  const limits: ScanLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const baseDir = options.baseDir ?? process.cwd();
  const report: ScanReport = { findings: [], files: [], skipped: [], errors: [] };

  const targets: { path: string; size: number }[] = [];
  for (const path of paths) collect(path, targets, report, true);
  const total = targets.reduce((sum, t) => sum + t.size, 0);
  // A few files at a time: per-file latency (open, stat, read, close through the thread pool)
  // otherwise dominates folders of many small models. Results merge in path order, so the
  // report does not depend on timing.
  const partials: ScanReport[] = targets.map(() => ({
    findings: [],
    files: [],
    skipped: [],
    errors: [],
  }));
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < targets.length; i = next++) {
      const target = targets[i] as { path: string; size: number };
      options.onProgress?.(done, total, target.path);
      const shown = displayPath(target.path, baseDir);
      await scanFile(
        target.path,
        shown,
        options.scanners,
        options.policy,
        limits,
        partials[i] as ScanReport,
      );
      done += target.size;
    }
  };
  await Promise.all(Array.from({ length: Math.min(FILE_CONCURRENCY, targets.length) }, worker));
  for (const partial of partials) {
    report.findings.push(...partial.findings);
    report.files.push(...partial.files);
    report.skipped.push(...partial.skipped);
    report.errors.push(...partial.errors);
  }
  options.onProgress?.(total, total, "");
  return report;
}

/**
 * Lists the files to scan. Synchronous on purpose: stat through the thread pool costs more
 * than the stat itself, and a folder of thousands of small models is a common case.
 */
function collect(
  path: string,
  out: { path: string; size: number }[],
  report: ScanReport,
  named: boolean,
): void {
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (cause) {
    if (named) {
      throw new RampartError("E_USAGE", `${path} does not exist or cannot be read`, {
        hint: "check the path; rampart scan takes files and folders",
        cause,
      });
    }
    report.errors.push({ path, message: `cannot read: ${(cause as Error).message}` });
    return;
  }
  if (stats.isSymbolicLink()) {
    // Following links could leave the folder the user asked for, or loop.
    report.skipped.push({ path, reason: "symbolic link, not followed" });
  } else if (stats.isDirectory()) {
    let entries: string[];
    try {
      entries = readdirSync(path).sort();
    } catch (cause) {
      report.errors.push({ path, message: `cannot list folder: ${(cause as Error).message}` });
      return;
    }
    for (const entry of entries) collect(join(path, entry), out, report, false);
  } else if (stats.isFile()) {
    out.push({ path, size: stats.size });
  } else {
    report.skipped.push({ path, reason: "not a regular file" });
  }
}

function displayPath(path: string, baseDir: string): string {
  const rel = relative(baseDir, path);
  const shown = rel === "" || rel.startsWith("..") ? path : rel;
  return shown.split(sep).join("/");
}

/** Files up to this size are read once into memory: one open, one read, hash from memory. */
const SMALL_FILE = 8 * 1024 * 1024;

async function scanFile(
  path: string,
  shown: string,
  scanners: readonly FormatScanner[],
  policy: ScanPolicy,
  limits: ScanLimits,
  report: ScanReport,
): Promise<void> {
  let opened: { source: ByteSource; sha256: Promise<string>; close: () => Promise<void> };
  try {
    opened = await openForScan(path);
  } catch (cause) {
    report.errors.push({ path: shown, message: `cannot open: ${(cause as Error).message}` });
    return;
  }
  const { source } = opened;
  try {
    const head = await source.read(0, HEAD_BYTES);
    const scanner = detect(scanners, head, source.size, baseName(path));
    const findings: Finding[] = [];
    if (scanner === undefined) {
      report.skipped.push({
        path: shown,
        reason: "not a model or archive format Rampart recognises",
      });
    } else {
      const walker = new Walker(shown, scanners, policy, limits, findings, report);
      await walker.run(scanner, { path: shown, name: baseName(path), source, depth: 0 });
    }
    const sha256 = await opened.sha256;
    if (scanner !== undefined) {
      report.files.push({
        path: shown,
        format: scanner.format,
        sha256,
        size: source.size,
        findings: findings.map((f) => f.id),
      });
    }
    // The asset is this exact content: the same name with other bytes is another asset.
    const version = `sha256:${sha256}`;
    report.findings.push(...findings.map((f) => ({ ...f, asset: { ...f.asset, version } })));
  } catch (cause) {
    report.errors.push({ path: shown, message: `cannot read: ${(cause as Error).message}` });
  } finally {
    await opened.close();
  }
}

/**
 * A small file is read whole (one open, one read, hashed from memory): many small pickles are
 * common and per-file overhead dominates them. A large one is read on demand, so a scanner
 * can skip tensor payloads, while a separate sequential pass hashes it.
 */
async function openForScan(
  path: string,
): Promise<{ source: ByteSource; sha256: Promise<string>; close: () => Promise<void> }> {
  const file = await FileSource.open(path);
  if (file.size <= SMALL_FILE) {
    try {
      const bytes = await file.read(0, file.size);
      return {
        source: new BufferSource(bytes),
        sha256: Promise.resolve(hash("sha256", bytes, "hex")),
        close: async () => {},
      };
    } finally {
      await file.close();
    }
  }
  const sha256 = hashFile(path);
  // Keep a failed hash from becoming an unhandled rejection before it is awaited.
  sha256.catch(() => {});
  return { source: file, sha256, close: () => file.close() };
}

/** Scans one top-level file and everything nested in it. */
class Walker {
  constructor(
    private readonly file: string,
    private readonly scanners: readonly FormatScanner[],
    private readonly policy: ScanPolicy,
    private readonly limits: ScanLimits,
    private readonly findings: Finding[],
    private readonly report: ScanReport,
  ) {}

  async run(scanner: FormatScanner, input: ScanInput): Promise<void> {
    let members = 0;
    let tooMany = false;
    const ctx: ScanContext = {
      policy: this.policy,
      limits: this.limits,
      report: (issue) => this.add(issue, input, scanner.format),
      scanNested: async (name, source, nestedOptions) => {
        members++;
        if (members > this.limits.maxMembers) {
          if (!tooMany) {
            tooMany = true;
            this.add(
              {
                rule: "container.too-many-members",
                severity: "high",
                title: `more than ${this.limits.maxMembers} members; the rest were not scanned`,
                reason:
                  "A container this large may hide a payload past the scanner's limit. Inspect it, or raise the limit in rampart.yaml if the file is trusted.",
                evidence: { limit: this.limits.maxMembers },
                threats: MALFORMED_ARTIFACT,
              },
              input,
              scanner.format,
            );
          }
          return;
        }
        await this.nested(name, source, input, scanner.format, nestedOptions?.format);
      },
    };
    try {
      await scanner.scan(input, ctx);
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      this.report.errors.push({
        path: input.path,
        message: `${scanner.format} scanner failed: ${message}`,
      });
      ctx.report({
        rule: "scan.incomplete",
        severity: "high",
        title: `could not be fully scanned as ${scanner.format}: ${message}`,
        reason:
          "The file is malformed in a way the scanner could not get past; a loader may still read it. Treat it as unscanned: do not load it until it is understood.",
        evidence: { error: message },
        threats: UNSAFE_ARTIFACT,
      });
    }
  }

  private async nested(
    name: string,
    source: ByteSource,
    parent: ScanInput,
    parentFormat: ModelFormat,
    format: ModelFormat | undefined,
  ): Promise<void> {
    const path = `${parent.path}!/${name}`;
    const depth = parent.depth + 1;
    if (depth > this.limits.maxDepth) {
      this.add(
        {
          rule: "container.too-deep",
          severity: "high",
          title: `nested deeper than ${this.limits.maxDepth} containers; not scanned`,
          reason:
            "Deep nesting is a classic way to get past scanners. Unpack it by hand and scan the contents.",
          evidence: { depth, limit: this.limits.maxDepth },
          threats: MALFORMED_ARTIFACT,
        },
        { ...parent, path },
        parentFormat,
      );
      return;
    }
    const scanner =
      format !== undefined
        ? this.scanners.find((s) => s.format === format)
        : detect(this.scanners, await source.read(0, HEAD_BYTES), source.size, baseName(name));
    if (scanner === undefined) return; // raw tensor data, text, …: nothing that executes
    await this.run(scanner, { path, name: baseName(name), source, depth });
  }

  private add(issue: ScanIssue, input: ScanInput, format: ModelFormat): void {
    const evidence: ScanEvidence & Record<string, unknown> = {
      ...issue.evidence,
      rule: issue.rule,
      file: this.file,
      location: input.path,
      format,
      why: issue.reason,
      ...(issue.offset === undefined ? {} : { offset: issue.offset }),
    };
    const key = `${issue.rule}\n${input.path}\n${issue.offset ?? ""}\n${issue.title}`;
    this.findings.push(
      createFinding({
        // Stable: the same issue in the same file gets the same id on every scan.
        id: `scan:${sha256Hex(key).slice(0, 32)}`,
        detector: `scan.${format}`,
        title:
          input.path === this.file
            ? issue.title
            : `${issue.title} (in ${input.path.slice(this.file.length + 2)})`,
        severity: issue.severity,
        asset: { kind: "file", id: this.file },
        threats: issue.threats,
        evidence,
        remediation: issue.reason,
        ...(issue.confidence === undefined ? {} : { confidence: issue.confidence }),
      }),
    );
  }
}

/** The first registered scanner that recognises the content; registry order breaks ties. */
export function detect(
  scanners: readonly FormatScanner[],
  head: Uint8Array,
  size: number,
  name: string,
): FormatScanner | undefined {
  for (const scanner of scanners) {
    try {
      if (scanner.detect(head, { size, name })) return scanner;
    } catch {
      // A detector must not throw; one that does simply does not claim the file.
    }
  }
  return undefined;
}

function baseName(path: string): string {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return cut === -1 ? path : path.slice(cut + 1);
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}
