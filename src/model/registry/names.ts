import { type AssetRef, RampartError } from "../../core/index.js";

/**
 * Model names and versions. Both end up in file-system-free places only (the database, the
 * ledger, `model:name@version` asset strings), but `@`, `:` and whitespace would make those
 * strings ambiguous, so they are refused up front. A name may carry an npm-style scope
 * (`@team/fraud`), which `rampart model bom` already accepts.
 */
const NAME = /^(@[A-Za-z0-9][A-Za-z0-9._-]{0,63}\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

export function checkModelName(name: string): string {
  if (!NAME.test(name)) {
    throw new RampartError("E_USAGE", `"${name}" is not a valid model name`, {
      hint: "use letters, digits, '.', '_' and '-' (up to 128), optionally under a scope: @team/fraud",
    });
  }
  return name;
}

export function checkVersion(version: string): string {
  if (!VERSION.test(version)) {
    throw new RampartError("E_USAGE", `"${version}" is not a valid model version`, {
      hint: "use letters, digits, '.', '_', '+' and '-' (up to 64), e.g. 3 or 1.4.0",
    });
  }
  return version;
}

/** `NAME@VERSION`, split at the last `@`. */
export function parseModelRef(text: string): { name: string; version: string } {
  const at = text.lastIndexOf("@");
  if (at <= 0 || at === text.length - 1) {
    throw new RampartError("E_USAGE", `"${text}" is not NAME@VERSION`, {
      hint: "name the model and its version, e.g. fraud@3; see rampart model list",
    });
  }
  return { name: checkModelName(text.slice(0, at)), version: checkVersion(text.slice(at + 1)) };
}

export function formatModelRef(name: string, version: string): string {
  return `${name}@${version}`;
}

/** The asset every finding and ledger entry about a model version names. */
export function modelAsset(name: string, version?: string): AssetRef {
  return version === undefined ? { kind: "model", id: name } : { kind: "model", id: name, version };
}
