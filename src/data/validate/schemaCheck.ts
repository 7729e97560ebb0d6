import { createFinding, type Finding, type Severity } from "../../core/index.js";
import type { Table } from "../table/types.js";
import { integrityThreats, type ValidationContext } from "./context.js";

/** A column as schemas see it: what a Table and a snapshot manifest both can say. */
export interface SchemaColumn {
  name: string;
  kind: "numeric" | "categorical";
  /** DuckDB's type name. */
  sqlType: string;
}

export type SchemaChangeKind = "missing" | "extra" | "kind" | "sql_type";

export interface SchemaChange {
  column: string;
  change: SchemaChangeKind;
  reference?: { kind: string; sqlType: string };
  current?: { kind: string; sqlType: string };
  severity: Severity;
}

export function schemaOf(table: Table): SchemaColumn[] {
  return table.columns.map((c) => ({ name: c.name, kind: c.kind, sqlType: c.sqlType }));
}

const NUMERIC_WIDENING = new Set([
  "TINYINT",
  "SMALLINT",
  "INTEGER",
  "BIGINT",
  "HUGEINT",
  "FLOAT",
  "DOUBLE",
]);

/**
 * Severity of a schema change: a missing column or one that changed kind breaks every consumer
 * (high); a new column nobody reviewed may carry a leak or a trigger feature (medium); a type
 * change within the same kind is medium, except a numeric widening (INTEGER → BIGINT → DOUBLE,
 * what a CSV reader infers once a decimal appears), which is low.
 */
function changeSeverity(
  change: SchemaChangeKind,
  ref?: SchemaColumn,
  cur?: SchemaColumn,
): Severity {
  if (change === "missing" || change === "kind") return "high";
  if (change === "extra") return "medium";
  const base = (t: string | undefined) => (t ?? "").replace(/\(.*\)$/, "").toUpperCase();
  return NUMERIC_WIDENING.has(base(ref?.sqlType)) && NUMERIC_WIDENING.has(base(cur?.sqlType))
    ? "low"
    : "medium";
}

/** Columns missing, added, or retyped against the reference, in reference order then new ones. */
export function compareSchema(current: SchemaColumn[], reference: SchemaColumn[]): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const now = new Map(current.map((c) => [c.name, c]));
  const before = new Map(reference.map((c) => [c.name, c]));
  const typeOf = (c: SchemaColumn) => ({ kind: c.kind, sqlType: c.sqlType });
  for (const ref of reference) {
    const cur = now.get(ref.name);
    if (cur === undefined) {
      changes.push({
        column: ref.name,
        change: "missing",
        reference: typeOf(ref),
        severity: changeSeverity("missing"),
      });
      continue;
    }
    const change: SchemaChangeKind | undefined =
      cur.kind !== ref.kind ? "kind" : cur.sqlType !== ref.sqlType ? "sql_type" : undefined;
    if (change !== undefined) {
      changes.push({
        column: ref.name,
        change,
        reference: typeOf(ref),
        current: typeOf(cur),
        severity: changeSeverity(change, ref, cur),
      });
    }
  }
  for (const cur of current) {
    if (!before.has(cur.name)) {
      changes.push({
        column: cur.name,
        change: "extra",
        current: typeOf(cur),
        severity: changeSeverity("extra"),
      });
    }
  }
  return changes;
}

function describe(change: SchemaChange): string {
  const t = (x?: { kind: string; sqlType: string }) => (x ? `${x.sqlType} (${x.kind})` : "?");
  switch (change.change) {
    case "missing":
      return `column "${change.column}" is missing (reference has ${t(change.reference)})`;
    case "extra":
      return `column "${change.column}" is new: ${t(change.current)}, not in the reference`;
    default:
      return `column "${change.column}" changed type: ${t(change.reference)} → ${t(change.current)}`;
  }
}

export function schemaFindings(changes: SchemaChange[], context: ValidationContext): Finding[] {
  return changes.map(({ severity, ...change }) =>
    createFinding({
      detector: "data.validate.schema",
      title: describe({ ...change, severity }),
      severity,
      asset: context.asset,
      threats: integrityThreats(context.trust),
      evidence: { ...change, trust: context.trust },
      remediation:
        change.change === "extra"
          ? "review the new column; add it to the reference (a new snapshot) once it is expected"
          : "fix the producer of this batch, or take a new reference snapshot if the change is intended",
    }),
  );
}
