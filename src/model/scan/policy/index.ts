import { DANGEROUS_GLOBALS } from "./dangerousGlobals.js";
import { SAFE_GLOBALS } from "./safeGlobals.js";
import type { ScanPolicy } from "./types.js";

/**
 * The pickle import policy: the built-in allow- and denylists (data files beside this one),
 * the matcher that classifies a global against them, and the rampart.yaml extension.
 */

export { DANGEROUS_GLOBALS } from "./dangerousGlobals.js";
export {
  type Classification,
  classifyGlobal,
  compilePolicy,
  type PolicyMatcher,
} from "./matcher.js";
export { mergePolicy, type PolicyExtension, validatePattern } from "./merge.js";
export { SAFE_GLOBALS } from "./safeGlobals.js";
export type { GlobalRule, ScanPolicy } from "./types.js";

/** One shared, frozen object, so its compiled matcher is built once per process. */
const DEFAULT_POLICY: ScanPolicy = Object.freeze({
  safe: SAFE_GLOBALS,
  dangerous: DANGEROUS_GLOBALS,
});

export function defaultPolicy(): ScanPolicy {
  return DEFAULT_POLICY;
}
