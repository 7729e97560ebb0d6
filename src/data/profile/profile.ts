import type { Table } from "../table/index.js";
import { profileCategorical } from "./categorical.js";
import { profileNumeric } from "./numeric.js";
import type { TableProfile } from "./types.js";

export interface ProfileOptions {
  /**
   * Numeric columns with up to this many non-null values get exact quantiles and distinct
   * counts (a sorted copy); larger ones are sketched (KLL, HyperLogLog). Default 10 million:
   * sorting that many doubles takes about half a second and 80 MB.
   */
  exactLimit?: number;
}

export const DEFAULT_EXACT_LIMIT = 10_000_000;

/** The profile of every column of a table (see `TableProfile`); plain, JSON-safe data. */
export function profileTable(table: Table, options: ProfileOptions = {}): TableProfile {
  const exactLimit = options.exactLimit ?? DEFAULT_EXACT_LIMIT;
  return {
    rows: table.nRows,
    columns: table.columns.map((column) =>
      column.kind === "numeric" ? profileNumeric(column, exactLimit) : profileCategorical(column),
    ),
  };
}
