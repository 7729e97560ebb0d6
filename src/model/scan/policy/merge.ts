import { RampartError } from "../../../core/index.js";
import type { GlobalRule, ScanPolicy } from "./types.js";

/**
 * rampart.yaml's `scan.allow_globals` / `scan.deny_globals` on top of a policy. Entries are
 * `module.name` or `module.*`. Deny beats allow: a pattern in both lists is denied, and the
 * matcher checks configured denies first. Configured allows are checked before the built-in
 * denylist, so a team can quiet a reviewed global (`torch.storage._load_from_bytes`); a
 * built-in wildcard still catches anything the allow does not name exactly, and chains through
 * interpreter internals (`__globals__` …) can never be allowed.
 */

export interface PolicyExtension {
  allow?: readonly string[];
  deny?: readonly string[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What is wrong with a pattern, or undefined when it is valid. */
export function validatePattern(pattern: string): string | undefined {
  if (pattern.trim() !== pattern) return "has leading or trailing whitespace";
  if (pattern === "") return "is empty";
  const parts = pattern.split(".");
  if (parts.length < 2) {
    return "names no module: write `module.name` or `module.*` (e.g. `mypkg.models.Net` or `mypkg.*`)";
  }
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? "";
    if (part === "*") {
      if (i !== parts.length - 1) return "has `*` before the end: only a final `.*` is supported";
      continue;
    }
    if (part === "") return "has an empty component (`..`, or a leading or trailing dot)";
    if (part.includes("*"))
      return `has \`${part}\`: \`*\` must be a whole final component (\`module.*\`)`;
    if (!IDENTIFIER.test(part)) return `has \`${part}\`, which is not a Python identifier`;
  }
  return undefined;
}

/** The policy with rampart.yaml's lists added; throws E_CONFIG naming every bad entry. */
export function mergePolicy(base: ScanPolicy, extension: PolicyExtension): ScanPolicy {
  const allow = extension.allow ?? [];
  const deny = extension.deny ?? [];
  const problems: string[] = [];
  for (const [list, key] of [
    [allow, "allow_globals"],
    [deny, "deny_globals"],
  ] as const) {
    list.forEach((pattern, i) => {
      const problem = validatePattern(pattern);
      if (problem !== undefined)
        problems.push(`scan.${key}[${i}] ${JSON.stringify(pattern)} ${problem}`);
    });
  }
  if (problems.length > 0) {
    throw new RampartError(
      "E_CONFIG",
      `invalid pickle global pattern in rampart.yaml: ${problems.join("; ")}`,
      {
        hint: "Each entry is `module.name` (e.g. `mypkg.models.TinyNet`) or `module.*` (e.g. `mypkg.*`).",
        details: { problems },
      },
    );
  }
  const denied = new Set(deny);
  const safe: GlobalRule[] = allow
    .filter((pattern) => !denied.has(pattern))
    .map((pattern) => ({
      pattern,
      reason: "Allowed in rampart.yaml (scan.allow_globals).",
      source: "config",
    }));
  const dangerous: GlobalRule[] = [...new Set(deny)].map((pattern) => ({
    pattern,
    reason: "Denied in rampart.yaml (scan.deny_globals).",
    source: "config",
  }));
  return { safe: [...safe, ...base.safe], dangerous: [...dangerous, ...base.dangerous] };
}
