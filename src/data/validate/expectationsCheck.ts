import { createFinding, type Finding, type Severity } from "../../core/index.js";
import type { Column, Table } from "../table/types.js";
import { integrityThreats, type ValidationContext } from "./context.js";
import type { ColumnRules, Expectations } from "./expectationsFormat.js";

/** How many example row indices a failed rule lists. */
export const EXAMPLE_ROWS = 5;

export type ExpectationRule =
  | "rows"
  | "required"
  | "extra_column"
  | "type"
  | "sql_type"
  | "not_null"
  | "max_null_fraction"
  | "min"
  | "max"
  | "allowed"
  | "unique"
  | "pattern";

/** The outcome of one rule on one column (or on the table, for `rows` and `extra_column`). */
export interface ExpectationResult {
  column: string | null;
  rule: ExpectationRule;
  ok: boolean;
  /** What the rule demands, as written in the file. */
  expected: unknown;
  /** Rows breaking the rule (for table-level rules, 1 when broken). */
  violations: number;
  /** violations / rows checked. */
  fraction: number;
  /** The first few offending row indices (0-based, as `rampart data inspect` counts them). */
  examples: number[];
  /** What was found instead, when one value says it (a type, a row count, a null share). */
  actual?: unknown;
  severity: Severity;
}

/** Checks every rule of the file against the table; passing rules are listed too. */
export function checkExpectations(table: Table, expectations: Expectations): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  const n = table.nRows;
  if (expectations.rows !== undefined) {
    const { min, max, severity } = expectations.rows;
    const ok = (min === undefined || n >= min) && (max === undefined || n <= max);
    results.push({
      column: null,
      rule: "rows",
      ok,
      expected: { min, max },
      violations: ok ? 0 : 1,
      fraction: ok ? 0 : 1,
      examples: [],
      actual: n,
      severity,
    });
  }
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  for (const [name, rules] of Object.entries(expectations.columns)) {
    const column = byName.get(name);
    if (column === undefined) {
      if (rules.required) {
        results.push(tableLevel(name, "required", true, false, "missing", rules.severity));
      }
      continue;
    }
    results.push(...checkColumn(column, n, rules));
  }
  if (!expectations.allow_extra_columns) {
    for (const column of table.columns) {
      if (!Object.hasOwn(expectations.columns, column.name)) {
        results.push(tableLevel(column.name, "extra_column", false, false, "present", "medium"));
      }
    }
  }
  return results;
}

function tableLevel(
  column: string,
  rule: ExpectationRule,
  expected: unknown,
  ok: boolean,
  actual: unknown,
  severity: Severity,
): ExpectationResult {
  return {
    column,
    rule,
    ok,
    expected,
    violations: ok ? 0 : 1,
    fraction: ok ? 0 : 1,
    examples: [],
    actual,
    severity,
  };
}

/** Collects offending rows: a count and the first few indices. */
class Violations {
  count = 0;
  readonly examples: number[] = [];
  add(row: number): void {
    this.count++;
    if (this.examples.length < EXAMPLE_ROWS) this.examples.push(row);
  }
}

function checkColumn(column: Column, n: number, rules: ColumnRules): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  const result = (
    rule: ExpectationRule,
    expected: unknown,
    v: Violations,
    actual?: unknown,
  ): ExpectationResult => ({
    column: column.name,
    rule,
    ok: v.count === 0,
    expected,
    violations: v.count,
    fraction: n === 0 ? 0 : v.count / n,
    examples: v.examples,
    ...(actual === undefined ? {} : { actual }),
    severity: rules.severity,
  });
  const isNull = (row: number): boolean =>
    column.kind === "numeric" ? Number.isNaN(column.values[row]!) : column.codes[row]! < 0;

  if (rules.type !== undefined && rules.type !== column.kind) {
    // Value rules assume the declared type: checking them on the other kind would only add noise.
    return [tableLevel(column.name, "type", rules.type, false, column.kind, rules.severity)];
  }
  if (rules.type !== undefined)
    results.push(tableLevel(column.name, "type", rules.type, true, column.kind, rules.severity));
  if (rules.sql_type !== undefined) {
    const ok = rules.sql_type.toUpperCase() === column.sqlType.toUpperCase();
    results.push(
      tableLevel(column.name, "sql_type", rules.sql_type, ok, column.sqlType, rules.severity),
    );
  }
  if (rules.not_null || rules.max_null_fraction !== undefined) {
    const nulls = new Violations();
    for (let row = 0; row < n; row++) if (isNull(row)) nulls.add(row);
    if (rules.not_null) results.push(result("not_null", true, nulls));
    if (rules.max_null_fraction !== undefined) {
      const share = n === 0 ? 0 : nulls.count / n;
      const over = share > rules.max_null_fraction;
      const r = result(
        "max_null_fraction",
        rules.max_null_fraction,
        over ? nulls : new Violations(),
        share,
      );
      results.push(r);
    }
  }
  if (rules.min !== undefined || rules.max !== undefined) {
    if (column.kind !== "numeric") {
      for (const rule of ["min", "max"] as const) {
        if (rules[rule] !== undefined) {
          results.push(
            tableLevel(
              column.name,
              rule,
              rules[rule],
              false,
              "a categorical column",
              rules.severity,
            ),
          );
        }
      }
    } else {
      const below = new Violations();
      const above = new Violations();
      for (let row = 0; row < n; row++) {
        const v = column.values[row]!;
        if (Number.isNaN(v)) continue;
        if (rules.min !== undefined && v < rules.min) below.add(row);
        if (rules.max !== undefined && v > rules.max) above.add(row);
      }
      if (rules.min !== undefined) results.push(result("min", rules.min, below));
      if (rules.max !== undefined) results.push(result("max", rules.max, above));
    }
  }
  if (rules.allowed !== undefined)
    results.push(result("allowed", rules.allowed, notAllowed(column, rules.allowed)));
  if (rules.unique) results.push(result("unique", true, duplicates(column)));
  if (rules.pattern !== undefined) {
    results.push(
      result("pattern", rules.pattern, notMatching(column, new RegExp(rules.pattern, "u"))),
    );
  }
  return results;
}

/** Rows whose (non-null) value is not in the list. Numbers compare numerically on numeric columns. */
function notAllowed(column: Column, allowed: (string | number | boolean)[]): Violations {
  const v = new Violations();
  if (column.kind === "numeric") {
    // true/false match a BOOLEAN column's 1/0; a blank string must not turn into 0.
    const ok = new Set(
      allowed.map((a) => (typeof a === "string" && a.trim() === "" ? Number.NaN : Number(a))),
    );
    for (let row = 0; row < column.values.length; row++) {
      const x = column.values[row]!;
      if (!Number.isNaN(x) && !ok.has(x)) v.add(row);
    }
    return v;
  }
  const ok = new Set(allowed.map(String));
  const codeOk = column.dictionary.map((value) => ok.has(value));
  for (let row = 0; row < column.codes.length; row++) {
    const code = column.codes[row]!;
    if (code >= 0 && !codeOk[code]) v.add(row);
  }
  return v;
}

/** Rows repeating a value an earlier row had (the first occurrence is not a violation). */
function duplicates(column: Column): Violations {
  const v = new Violations();
  if (column.kind === "numeric") {
    const seen = new Set<number>();
    for (let row = 0; row < column.values.length; row++) {
      const x = column.values[row]!;
      if (Number.isNaN(x)) continue;
      if (seen.has(x)) v.add(row);
      else seen.add(x);
    }
    return v;
  }
  const seen = new Uint8Array(column.dictionary.length);
  for (let row = 0; row < column.codes.length; row++) {
    const code = column.codes[row]!;
    if (code < 0) continue;
    if (seen[code] === 1) v.add(row);
    else seen[code] = 1;
  }
  return v;
}

function notMatching(column: Column, pattern: RegExp): Violations {
  const v = new Violations();
  if (column.kind === "numeric") {
    for (let row = 0; row < column.values.length; row++) {
      const x = column.values[row]!;
      if (!Number.isNaN(x) && !pattern.test(String(x))) v.add(row);
    }
    return v;
  }
  const codeOk = column.dictionary.map((value) => pattern.test(value));
  for (let row = 0; row < column.codes.length; row++) {
    const code = column.codes[row]!;
    if (code >= 0 && !codeOk[code]) v.add(row);
  }
  return v;
}

function describe(r: ExpectationResult): string {
  const rows = `${r.violations} row${r.violations === 1 ? "" : "s"}`;
  const col = `column "${r.column}"`;
  switch (r.rule) {
    case "rows":
      return `the batch has ${r.actual} rows; expected ${rangeText(r.expected)}`;
    case "required":
      return `${col} is missing`;
    case "extra_column":
      return `${col} is not in the expectations (allow_extra_columns: false)`;
    case "type":
    case "sql_type":
      return `${col} is ${r.actual}, expected ${r.expected}`;
    case "not_null":
      return `${col}: ${rows} null`;
    case "max_null_fraction":
      return `${col}: ${percent(r.actual as number)} null, more than ${percent(r.expected as number)}`;
    case "min":
    case "max":
      return r.actual === undefined
        ? `${col}: ${rows} ${r.rule === "min" ? "below min" : "above max"} ${r.expected}`
        : `${col}: ${r.rule} needs a numeric column, it is ${r.actual}`;
    case "allowed":
      return `${col}: ${rows} with a value not in the allowed list`;
    case "unique":
      return `${col}: ${rows} repeat an earlier value`;
    case "pattern":
      return `${col}: ${rows} do not match /${r.expected}/`;
  }
}

function rangeText(expected: unknown): string {
  const { min, max } = expected as { min?: number; max?: number };
  if (min !== undefined && max !== undefined) return `${min}..${max}`;
  return min !== undefined ? `at least ${min}` : `at most ${max}`;
}

const percent = (f: number): string => `${(f * 100).toFixed(f < 0.01 ? 2 : 1)}%`;

/** One `data.validate.expectation` finding per failed rule. */
export function expectationFindings(
  results: ExpectationResult[],
  context: ValidationContext,
): Finding[] {
  return results
    .filter((r) => !r.ok)
    .map(({ severity, ok: _ok, ...r }) =>
      createFinding({
        detector: "data.validate.expectation",
        title: describe({ ...r, ok: false, severity }),
        severity,
        asset: context.asset,
        threats: integrityThreats(context.trust),
        evidence: { ...r, trust: context.trust },
        remediation:
          "look at the example rows; fix the producer of the batch, or the expectation if the data is right",
      }),
    );
}
