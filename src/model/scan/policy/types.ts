/**
 * The shape of the pickle import policy: which globals load quietly (allowlist) and which are
 * critical wherever they appear (denylist). Data lives in safeGlobals.ts and
 * dangerousGlobals.ts, matching in matcher.ts, rampart.yaml extension in merge.ts.
 */
export interface GlobalRule {
  /**
   * `module.name` (exact, dotted attribute chains allowed: `code.InteractiveInterpreter.runsource`)
   * or `module.*` (the module, its submodules and, on the denylist, every attribute chain).
   */
  pattern: string;
  /** Why this global is dangerous (denylist) or why it is safe (allowlist). */
  reason: string;
  /** Allowlist only: match class names only (a leading capital letter, PEP 8). */
  kind?: "class";
  /** Where the rule comes from: rampart.yaml rules win over the built-in lists. */
  source?: "builtin" | "config";
}

export interface ScanPolicy {
  /** Globals that load quietly (PyTorch, numpy, scikit-learn, XGBoost, collections …). */
  safe: readonly GlobalRule[];
  /** Globals that are critical whenever imported (process, eval, import machinery …). */
  dangerous: readonly GlobalRule[];
}
