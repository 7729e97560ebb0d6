import type { Severity, ThreatRef } from "../../core/index.js";
import type { ByteSource } from "./byteSource.js";
import type { ScanPolicy } from "./policy/index.js";

/**
 * The contract every format scanner implements (one file per format, registered in
 * registry.ts). A scanner reads bytes, never imports, loads or executes anything, and reports
 * issues; the orchestrator (scanner.ts) turns issues into Findings, recurses into what a
 * scanner hands back through `scanNested`, and enforces the limits.
 */

export type ModelFormat =
  | "pickle"
  | "pytorch-zip"
  | "torchscript"
  | "pytorch-legacy"
  | "pytorch-tar"
  | "joblib"
  | "numpy-npy"
  | "numpy-npz"
  | "keras-h5"
  | "keras-v3"
  | "keras-config"
  | "tf-savedmodel"
  | "onnx"
  | "safetensors"
  | "gguf"
  | "zip"
  | "tar"
  | "7z"
  | "gzip"
  | "bzip2"
  | "xz"
  | "lz4"
  | "zlib";

/** What a scanner reports; the orchestrator adds asset, time, id and the ATLAS/OWASP ids. */
export interface ScanIssue {
  /**
   * Stable rule id, used as the SARIF rule id and in fingerprints: `<format>.<what>`, e.g.
   * `pickle.dangerous-global`, `zip.name-mismatch`, `onnx.external-data-traversal`.
   */
  rule: string;
  severity: Severity;
  /** One line: what was found. `os.system called at offset 61` */
  title: string;
  /** Why it matters and what to do: a user must be able to act on it. */
  reason: string;
  /** Byte offset within the scanned stream (the member, for a container member). */
  offset?: number;
  /** Facts: `{ global: "os.system", opcode: "REDUCE", calls: 1 }`. JSON only. */
  evidence: Record<string, unknown>;
  /** ATLAS technique(s) and OWASP id(s); every issue names at least one. */
  threats: ThreatRef[];
  /** 0..1; omit for facts. */
  confidence?: number;
}

export interface ScanLimits {
  /** How deep containers may nest (a zip in a zip in a tar …). */
  maxDepth: number;
  /** Members examined in one container before the rest is reported as skipped. */
  maxMembers: number;
  /** Bytes any one decompressed stream may expand to (zip-bomb guard). */
  maxExpandedBytes: number;
  /** Largest expansion ratio accepted for a compressed member (zip-bomb guard). */
  maxCompressionRatio: number;
  /** Largest pickle/metadata stream read into memory. */
  maxInMemoryBytes: number;
}

export const DEFAULT_LIMITS: ScanLimits = {
  maxDepth: 8,
  maxMembers: 10_000,
  maxExpandedBytes: 4 * 1024 ** 3,
  maxCompressionRatio: 200,
  maxInMemoryBytes: 1024 ** 3,
};

export interface ScanInput {
  /** Display path: the file, then `!/member` for each container level: `m.zip!/archive/data.pkl`. */
  path: string;
  /** Member or file name (last path segment), for scanners that care (`saved_model.pb`). */
  name: string;
  source: ByteSource;
  /** 0 for a file on disk, +1 for each container level. */
  depth: number;
}

export interface NestedOptions {
  /**
   * Skip detection and scan as this format: for bytes whose format the caller knows better
   * than their content says (joblib's array-free pickle still names NumpyArrayWrapper and would
   * be detected as joblib again).
   */
  format?: ModelFormat;
}

export interface ScanContext {
  readonly policy: ScanPolicy;
  readonly limits: ScanLimits;
  report(issue: ScanIssue): void;
  /**
   * Scans bytes found inside the current input (a zip member, a decompressed stream, a pickle
   * embedded in a numpy array). Their format is detected by content, never by name. Depth,
   * member counts and sizes are checked here, and a breach becomes an issue, not a crash.
   */
  scanNested(name: string, source: ByteSource, options?: NestedOptions): Promise<void>;
  /** Reports progress in bytes for the progress bar (optional to call). */
  progress?(bytes: number): void;
}

export interface FormatScanner {
  readonly format: ModelFormat;
  /** One line for `rampart scan --help` and the README. */
  readonly description: string;
  /**
   * Content sniffing on the first bytes of the input (at least 512 or the whole input when
   * shorter) plus its size and name. Must be cheap and must not throw. Order in registry.ts
   * decides ties (most specific first: pytorch-zip before zip).
   */
  detect(head: Uint8Array, input: { size: number; name: string }): boolean;
  scan(input: ScanInput, ctx: ScanContext): Promise<void>;
}
