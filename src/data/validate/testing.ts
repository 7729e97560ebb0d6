/** Tables built by hand for tests: no files, no DuckDB. */
import { mulberry32 } from "../../learn/index.js";
import type { CategoricalColumn, Column, NumericColumn, Table } from "../table/types.js";

export function numeric(
  name: string,
  values: ArrayLike<number | null>,
  sqlType = "DOUBLE",
): NumericColumn {
  const out = new Float64Array(values.length);
  let nulls = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === null || v === undefined ? Number.NaN : v;
    if (Number.isNaN(out[i]!)) nulls++;
  }
  return { name, kind: "numeric", sqlType, values: out, nullCount: nulls };
}

export function categorical(
  name: string,
  values: ArrayLike<string | null>,
  sqlType = "VARCHAR",
): CategoricalColumn {
  const codes = new Int32Array(values.length);
  const dictionary: string[] = [];
  const index = new Map<string, number>();
  let nulls = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      codes[i] = -1;
      nulls++;
      continue;
    }
    let code = index.get(v);
    if (code === undefined) {
      code = dictionary.length;
      dictionary.push(v);
      index.set(v, code);
    }
    codes[i] = code;
  }
  return { name, kind: "categorical", sqlType, codes, dictionary, nullCount: nulls };
}

export function tableOf(...columns: Column[]): Table {
  const nRows =
    columns[0]?.kind === "numeric" ? columns[0].values.length : (columns[0]?.codes.length ?? 0);
  return { nRows, columns, files: [] };
}

/** The value of a categorical column at a row, null for a null. */
export function textAt(column: Column, row: number): string | null {
  if (column.kind !== "categorical") throw new Error(`${column.name} is not categorical`);
  const code = column.codes[row]!;
  return code < 0 ? null : column.dictionary[code]!;
}

/** Seeded uniform numbers in [0, 1) for test data: learn/'s mulberry32. */
export const seeded = mulberry32;

/** A standard normal draw from a uniform generator (Box–Muller). */
export function gaussian(random: () => number): number {
  const u = Math.max(random(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
