import { type DuckDBType, DuckDBTypeId } from "@duckdb/node-api";
import { quoteIdentifier } from "./duckdb.js";
import type { Column } from "./types.js";

/**
 * How DuckDB's types become the two column kinds of a `Table`: numbers, booleans (0/1), dates
 * and timestamps (epoch milliseconds, UTC) are numeric; text, and everything without a natural
 * number (time of day, intervals, UUIDs, blobs, nested values as JSON text) is categorical.
 */

const NUMERIC_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.BOOLEAN,
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
  DuckDBTypeId.DATE,
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
  DuckDBTypeId.TIMESTAMP_TZ,
]);

const TEMPORAL_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.DATE,
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
]);

const NESTED_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.LIST,
  DuckDBTypeId.ARRAY,
  DuckDBTypeId.STRUCT,
  DuckDBTypeId.MAP,
  DuckDBTypeId.UNION,
  DuckDBTypeId.VARIANT,
]);

export type ColumnKind = Column["kind"];

export function kindOf(type: DuckDBType): ColumnKind {
  return NUMERIC_TYPES.has(type.typeId) ? "numeric" : "categorical";
}

/**
 * SQL turning source column `name` into the staging type of its kind: DOUBLE for numeric,
 * VARCHAR for categorical. `kind` may be categorical for a numeric source type when files
 * disagree (one file's column is text): then the numbers are kept as their text.
 */
export function stagingExpression(name: string, type: DuckDBType, kind: ColumnKind): string {
  const column = quoteIdentifier(name);
  if (kind === "numeric") {
    if (TEMPORAL_TYPES.has(type.typeId)) {
      return `CAST(epoch_ms(CAST(${column} AS TIMESTAMP)) AS DOUBLE)`;
    }
    if (type.typeId === DuckDBTypeId.TIMESTAMP_TZ) return `CAST(epoch_ms(${column}) AS DOUBLE)`;
    return `CAST(${column} AS DOUBLE)`;
  }
  if (NESTED_TYPES.has(type.typeId)) return `CAST(to_json(${column}) AS VARCHAR)`;
  return `CAST(${column} AS VARCHAR)`;
}

/** Numeric SQL types a numeric column's values can be written back as (see write.ts). */
const WRITABLE_NUMERIC =
  /^(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|HUGEINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL\(\d{1,2}, ?\d{1,2}\)|DATE|TIMESTAMP|TIMESTAMP_S|TIMESTAMP_MS|TIMESTAMP_NS|TIMESTAMP WITH TIME ZONE)$/;

/**
 * SQL turning a staged DOUBLE (NaN = null, epoch ms for temporal types) back into the column's
 * own SQL type, so that a written file keeps BIGINT as BIGINT and DATE as DATE. A type not on
 * the list (the table may come from elsewhere) is written as DOUBLE: `sqlType` never reaches
 * SQL unchecked.
 */
export function restoreExpression(stagedColumn: string, sqlType: string): string {
  const value = `CASE WHEN isnan(${stagedColumn}) THEN NULL ELSE ${stagedColumn} END`;
  const canonical = sqlType.trim().toUpperCase();
  if (!WRITABLE_NUMERIC.test(canonical) || canonical === "DOUBLE") return value;
  if (canonical === "DATE" || canonical.startsWith("TIMESTAMP")) {
    const timestamp = `epoch_ms(CAST(${value} AS BIGINT))`;
    if (canonical === "TIMESTAMP WITH TIME ZONE") return `CAST(${timestamp} AS TIMESTAMPTZ)`;
    return `CAST(${timestamp} AS ${canonical})`;
  }
  if (canonical === "BOOLEAN") return `(${value}) <> 0`;
  return `CAST(${value} AS ${canonical})`;
}
