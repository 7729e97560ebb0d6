export { defaultPolicy, mergePolicy, type ScanPolicy } from "./policy/index.js";
export { SCANNERS } from "./registry.js";
export type { ScanEvidence, ScannedFile, ScanReport } from "./report.js";
export { runScan } from "./run.js";
export { toSarif } from "./sarif.js";
export { detect, type ScanOptions, scanPaths } from "./scanner.js";
export type { FormatScanner, ModelFormat, ScanIssue } from "./types.js";
