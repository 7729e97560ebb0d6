import type { Finding } from "../../core/index.js";
import type { ModelFormat } from "./types.js";

/** One file given to the scanner (top level, not container members). */
export interface ScannedFile {
  /** As the user named it, relative to the working directory when under it. */
  path: string;
  format: ModelFormat | "unknown";
  sha256: string;
  size: number;
  /** Ids of the findings about this file or anything inside it. */
  findings: string[];
}

/** The result of one `rampart scan`: DESIGN.md's output contract for rampart/scan@1. */
export interface ScanReport {
  findings: Finding[];
  files: ScannedFile[];
  skipped: { path: string; reason: string }[];
  errors: { path: string; message: string }[];
}

/**
 * The fields every scan finding carries in `evidence`, besides the scanner's own facts.
 * SARIF output and fingerprints read them.
 */
export interface ScanEvidence {
  /** Stable rule id, `<format>.<what>`. */
  rule: string;
  /** The scanned file (top level). */
  file: string;
  /** Where inside it: `file!/member!/inner`, equal to `file` for the file itself. */
  location: string;
  format: ModelFormat;
  /** Byte offset in the innermost stream, when known. */
  offset?: number;
  /** Why it matters, for people. */
  why: string;
}
