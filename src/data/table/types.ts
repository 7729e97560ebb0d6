/**
 * A dataset in memory, column by column, on typed arrays: what every data control reads.
 * Row i of the table is row i of the input files, in file order (the `row` index that
 * `rampart data inspect` reports, 0-based).
 */

/** Numbers, booleans (0/1), dates and timestamps (epoch milliseconds). Null is NaN. */
export interface NumericColumn {
  name: string;
  kind: "numeric";
  /** The type DuckDB inferred or read (BIGINT, DOUBLE, BOOLEAN, DATE, TIMESTAMP …). */
  sqlType: string;
  values: Float64Array;
  nullCount: number;
}

/** Text and everything else, dictionary-encoded. Null is code -1. */
export interface CategoricalColumn {
  name: string;
  kind: "categorical";
  sqlType: string;
  /** Index into `dictionary`, or -1 for null. */
  codes: Int32Array;
  /** Distinct values in order of first appearance. */
  dictionary: string[];
  nullCount: number;
}

export type Column = NumericColumn | CategoricalColumn;

export type DataFormat = "csv" | "parquet" | "jsonl";

export interface SourceFile {
  /** Absolute path. */
  path: string;
  format: DataFormat;
  size: number;
  /** Rows this file contributed; the files' rows are concatenated in this order. */
  rows: number;
}

export interface Table {
  nRows: number;
  columns: Column[];
  files: SourceFile[];
}
