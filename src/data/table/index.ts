/**
 * Tabular data in and out: CSV, Parquet and JSONL files read into a column-wise `Table` (through
 * DuckDB) and written back, plus the small helpers every data control needs.
 */
export { columnValueAsString, getColumn, selectRows } from "./columns.js";
export {
  DATA_FORMATS,
  detectFormat,
  type InputFile,
  isDataFormat,
  resolveInputs,
} from "./format.js";
export { type ReadTableOptions, readTable } from "./read.js";
export type {
  CategoricalColumn,
  Column,
  DataFormat,
  NumericColumn,
  SourceFile,
  Table,
} from "./types.js";
export { writeTable } from "./write.js";
