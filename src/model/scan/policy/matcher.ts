import type { GlobalRule, ScanPolicy } from "./types.js";

/**
 * Classifies a pickle global (module + name, after Python 3's name fixes) as dangerous, safe
 * or unknown. Order, first match wins:
 *   1. an attribute chain through interpreter internals (`__globals__`, `__builtins__` …);
 *   2. rampart.yaml `deny_globals`, then 3. `allow_globals` (deny beats allow);
 *   4. the built-in denylist, then 5. the built-in allowlist.
 *
 * Denylist patterns are matched against every prefix of the dotted path and against every
 * attribute chain inside a dotted name, because protocol 4 resolves `name` attribute by
 * attribute: module `site` with name `os.system` is os.system (site imports os), and
 * `torch.load.__call__` is torch.load. Allowlist wildcards only match a plain public name
 * (`numpy.dtypes.Float64DType`), never a dotted or private one: `collections._sys.modules`
 * must not pass because `collections.OrderedDict` does.
 */

export type Classification =
  /** `matched`: the attribute chain the rule caught (`os.system` inside `site.os.system`). */
  | { verdict: "dangerous"; rule: GlobalRule; matched: string }
  | { verdict: "safe"; rule: GlobalRule }
  | { verdict: "unknown" };

export interface PolicyMatcher {
  classify(module: string, name: string): Classification;
}

/** Attribute names that lead from any object to builtins, globals, code or frames. */
const INTERNALS = new Set([
  "__globals__",
  "__builtins__",
  "__dict__",
  "__subclasses__",
  "__getattribute__",
  "__getattr__",
  "__setattr__",
  "__delattr__",
  "__code__",
  "__closure__",
  "__class__",
  "__bases__",
  "__base__",
  "__mro__",
  "__import__",
  "__loader__",
  "__spec__",
  "__self__",
  "__func__",
  "__reduce__",
  "__reduce_ex__",
  "__setstate__",
  "__init_subclass__",
  "__traceback__",
  "func_globals",
  "f_globals",
  "f_builtins",
  "f_locals",
  "gi_frame",
  "cr_frame",
  "tb_frame",
]);

const INTERNALS_REASON =
  "It walks into interpreter internals (globals, builtins, code or frame objects) through an attribute chain, a classic way to reach eval or os.system from an innocent-looking object.";

interface Index {
  exact: Map<string, GlobalRule[]>;
  wildcard: Map<string, GlobalRule[]>;
}

function index(rules: readonly GlobalRule[]): Index {
  const exact = new Map<string, GlobalRule[]>();
  const wildcard = new Map<string, GlobalRule[]>();
  for (const rule of rules) {
    const isWildcard = rule.pattern.endsWith(".*");
    const key = isWildcard ? rule.pattern.slice(0, -2) : rule.pattern;
    const map = isWildcard ? wildcard : exact;
    const list = map.get(key);
    if (list === undefined) map.set(key, [rule]);
    else list.push(rule);
  }
  return { exact, wildcard };
}

/** Does any prefix of any candidate attribute chain hit a denylist rule? */
function matchDangerous(
  idx: Index,
  moduleParts: readonly string[],
  nameParts: readonly string[],
): { rule: GlobalRule; matched: string } | undefined {
  if (idx.exact.size === 0 && idx.wildcard.size === 0) return undefined;
  const all = [...moduleParts, ...nameParts];
  // Chains start at the module, or at any component of a dotted name (site + os.system),
  // where at least `module.attribute` must follow.
  const starts = [0];
  for (let s = Math.max(moduleParts.length, 1); s <= all.length - 2; s++) starts.push(s);
  for (const start of starts) {
    let prefix = "";
    for (let end = start; end < all.length; end++) {
      prefix = prefix === "" ? (all[end] ?? "") : `${prefix}.${all[end]}`;
      const rule = idx.wildcard.get(prefix)?.[0] ?? idx.exact.get(prefix)?.[0];
      if (rule !== undefined) return { rule, matched: all.slice(start).join(".") };
    }
  }
  return undefined;
}

function matchSafe(idx: Index, module: string, name: string): GlobalRule | undefined {
  if (name === "") return undefined;
  const isClass = /^[A-Z]/.test(name);
  const fits = (rules: readonly GlobalRule[] | undefined) =>
    rules?.find((rule) => rule.kind !== "class" || isClass);
  const exact = fits(idx.exact.get(`${module}.${name}`));
  if (exact !== undefined) return exact;
  if (name.includes(".") || name.startsWith("_") || idx.wildcard.size === 0) return undefined;
  let prefix = module;
  for (;;) {
    const rule = fits(idx.wildcard.get(prefix));
    if (rule !== undefined) return rule;
    const dot = prefix.lastIndexOf(".");
    if (dot < 0) return undefined;
    prefix = prefix.slice(0, dot);
  }
}

const CACHE_LIMIT = 50_000;

class Matcher implements PolicyMatcher {
  private readonly configDeny: Index;
  private readonly configAllow: Index;
  private readonly deny: Index;
  private readonly allow: Index;
  private readonly cache = new Map<string, Classification>();

  constructor(policy: ScanPolicy) {
    const fromConfig = (rule: GlobalRule) => rule.source === "config";
    this.configDeny = index(policy.dangerous.filter(fromConfig));
    this.configAllow = index(policy.safe.filter(fromConfig));
    this.deny = index(policy.dangerous.filter((r) => !fromConfig(r)));
    this.allow = index(policy.safe.filter((r) => !fromConfig(r)));
  }

  classify(module: string, name: string): Classification {
    const key = `${module}\n${name}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const result = this.compute(module, name);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, result);
    return result;
  }

  private compute(module: string, name: string): Classification {
    const moduleParts = module.split(".");
    const nameParts = name === "" ? [] : name.split(".");
    const internal = nameParts.find((part) => INTERNALS.has(part));
    if (internal !== undefined) {
      return {
        verdict: "dangerous",
        rule: { pattern: internal, reason: INTERNALS_REASON },
        matched: internal,
      };
    }
    const denied = matchDangerous(this.configDeny, moduleParts, nameParts);
    if (denied !== undefined) return { verdict: "dangerous", ...denied };
    const allowed = matchSafe(this.configAllow, module, name);
    if (allowed !== undefined) return { verdict: "safe", rule: allowed };
    // A curated exact allow entry is a statement about exactly that callable, so it beats a
    // built-in wildcard deny over its module (torch.jit._pickle.build_intlist vs torch.jit.*).
    if (!name.includes(".")) {
      const exact = this.allow.exact.get(`${module}.${name}`)?.[0];
      if (exact !== undefined && exact.kind !== "class") return { verdict: "safe", rule: exact };
    }
    const dangerous = matchDangerous(this.deny, moduleParts, nameParts);
    if (dangerous !== undefined) return { verdict: "dangerous", ...dangerous };
    const safe = matchSafe(this.allow, module, name);
    if (safe !== undefined) return { verdict: "safe", rule: safe };
    return { verdict: "unknown" };
  }
}

const compiled = new WeakMap<ScanPolicy, PolicyMatcher>();

/** The matcher of a policy, built once per policy object. */
export function compilePolicy(policy: ScanPolicy): PolicyMatcher {
  let matcher = compiled.get(policy);
  if (matcher === undefined) {
    matcher = new Matcher(policy);
    compiled.set(policy, matcher);
  }
  return matcher;
}

export function classifyGlobal(policy: ScanPolicy, module: string, name: string): Classification {
  return compilePolicy(policy).classify(module, name);
}
