import { isSeverity, RampartError, SEVERITIES, type Severity } from "../core/index.js";

/** `--fail-on`: a severity name, or undefined to take `findings.fail_on` from rampart.yaml. */
export function failOnFlag(value: string | undefined): Severity | undefined {
  if (value === undefined) return undefined;
  if (!isSeverity(value)) {
    throw new RampartError("E_USAGE", `--fail-on "${value}" is not a severity`, {
      hint: `use one of ${SEVERITIES.join(", ")}`,
    });
  }
  return value;
}

/** A comma-separated list flag (`--columns a,b`), blanks dropped. */
export function listFlag(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** A whole-number flag at or above `min`. */
export function integerFlag(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new RampartError("E_USAGE", `${flag} "${value}" is not a whole number ≥ ${min}`);
  }
  return n;
}
