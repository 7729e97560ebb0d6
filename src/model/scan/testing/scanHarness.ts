import { BufferSource, type ByteSource } from "../byteSource.js";
import { defaultPolicy } from "../policy/index.js";
import {
  DEFAULT_LIMITS,
  type FormatScanner,
  type ModelFormat,
  type ScanContext,
  type ScanIssue,
  type ScanLimits,
} from "../types.js";

/** What a scanner did with one input: its issues, and what it handed back for nesting. */
export interface HarnessResult {
  issues: ScanIssue[];
  nested: { name: string; bytes: Uint8Array; format?: ModelFormat }[];
}

/**
 * Runs one scanner on bytes with a recording context, for unit tests of a single format.
 * Nested inputs are recorded, not scanned: end-to-end tests go through scanner.ts instead.
 */
export async function runScanner(
  scanner: FormatScanner,
  bytes: Uint8Array,
  options: { name?: string; limits?: Partial<ScanLimits>; source?: ByteSource } = {},
): Promise<HarnessResult> {
  const issues: ScanIssue[] = [];
  const nested: HarnessResult["nested"] = [];
  const ctx: ScanContext = {
    policy: defaultPolicy(),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    report: (issue) => {
      issues.push(issue);
    },
    scanNested: async (name, source, nestedOptions) => {
      const bytes = await source.read(0, source.size);
      nested.push(
        nestedOptions?.format === undefined
          ? { name, bytes }
          : { name, bytes, format: nestedOptions.format },
      );
    },
  };
  const name = options.name ?? "input";
  await scanner.scan(
    { path: name, name, source: options.source ?? new BufferSource(bytes), depth: 0 },
    ctx,
  );
  return { issues, nested };
}
