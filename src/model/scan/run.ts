import type { RampartConfig } from "../../core/index.js";
import { defaultPolicy, mergePolicy } from "./policy/index.js";
import { SCANNERS } from "./registry.js";
import type { ScanReport } from "./report.js";
import { scanPaths } from "./scanner.js";

/** `rampart scan` with the policy and limits of rampart.yaml, over every registered format. */
export function runScan(
  paths: readonly string[],
  config: RampartConfig,
  options: { onProgress?: (done: number, total: number, current: string) => void } = {},
): Promise<ScanReport> {
  const policy = mergePolicy(defaultPolicy(), {
    allow: config.scan.allow_globals,
    deny: config.scan.deny_globals,
  });
  return scanPaths(paths, {
    scanners: SCANNERS,
    policy,
    limits: {
      maxDepth: config.scan.max_depth,
      maxMembers: config.scan.max_members,
      maxExpandedBytes: config.scan.max_expanded_mib * 1024 * 1024,
    },
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
}
