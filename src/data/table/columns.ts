import { RampartError } from "../../core/errors.js";
import type { CategoricalColumn, Column, SourceFile, Table } from "./types.js";

/** The column called `name`; E_DATA listing the columns there are when it is missing. */
export function getColumn(table: Table, name: string): Column {
  const found = table.columns.find((column) => column.name === name);
  if (found) return found;
  const names = table.columns.map((column) => column.name);
  const nearly = names.find((other) => other.toLowerCase() === name.toLowerCase());
  const shown = names.length > 30 ? [...names.slice(0, 30), "…"] : names;
  throw new RampartError("E_DATA", `the data has no column "${name}"`, {
    hint:
      nearly === undefined
        ? `its columns are: ${shown.join(", ")}`
        : `did you mean "${nearly}"? (column names are case-sensitive)`,
    details: { column: name, columns: names },
  });
}

/**
 * A new table holding the given rows, in the given order (a row may repeat). Categorical
 * dictionaries are rebuilt so they still list exactly the values present, in order of first
 * appearance; `files[].rows` counts the selected rows that came from each file.
 */
export function selectRows(table: Table, rows: Int32Array | readonly number[]): Table {
  const picked = Int32Array.from(rows);
  for (let i = 0; i < picked.length; i++) {
    const row = picked[i]!;
    if (row < 0 || row >= table.nRows) {
      throw new RangeError(`row ${row} is outside the table (0..${table.nRows - 1})`);
    }
  }
  const columns = table.columns.map((column): Column => {
    if (column.kind === "numeric") {
      const values = new Float64Array(picked.length);
      let nullCount = 0;
      for (let i = 0; i < picked.length; i++) {
        const value = column.values[picked[i]!]!;
        values[i] = value;
        if (Number.isNaN(value)) nullCount++;
      }
      return { ...column, values, nullCount };
    }
    return selectCategorical(column, picked);
  });
  return { nRows: picked.length, columns, files: countRowsPerFile(table.files, picked) };
}

function selectCategorical(column: CategoricalColumn, picked: Int32Array): CategoricalColumn {
  const renumbered = new Int32Array(column.dictionary.length).fill(-1);
  const dictionary: string[] = [];
  const codes = new Int32Array(picked.length);
  let nullCount = 0;
  for (let i = 0; i < picked.length; i++) {
    const old = column.codes[picked[i]!]!;
    if (old < 0) {
      codes[i] = -1;
      nullCount++;
      continue;
    }
    let code = renumbered[old]!;
    if (code < 0) {
      code = dictionary.length;
      renumbered[old] = code;
      dictionary.push(column.dictionary[old]!);
    }
    codes[i] = code;
  }
  return { ...column, codes, dictionary, nullCount };
}

function countRowsPerFile(files: readonly SourceFile[], picked: Int32Array): SourceFile[] {
  const ends: number[] = [];
  let end = 0;
  for (const file of files) {
    end += file.rows;
    ends.push(end);
  }
  const counts = new Array<number>(files.length).fill(0);
  for (let i = 0; i < picked.length; i++) {
    const row = picked[i]!;
    const file = ends.findIndex((fileEnd) => row < fileEnd);
    if (file >= 0) counts[file]!++;
  }
  return files.map((file, i) => ({ ...file, rows: counts[i]! }));
}

/**
 * One cell as text, as a person would write it: null for a missing value; booleans as
 * true/false; dates as YYYY-MM-DD and timestamps as ISO 8601 (UTC); other numbers in
 * JavaScript's shortest round-trip form.
 */
export function columnValueAsString(column: Column, row: number): string | null {
  if (row < 0 || row >= (column.kind === "numeric" ? column.values : column.codes).length) {
    throw new RangeError(`row ${row} is outside column ${column.name}`);
  }
  if (column.kind === "categorical") {
    const code = column.codes[row]!;
    return code < 0 ? null : column.dictionary[code]!;
  }
  const value = column.values[row]!;
  if (Number.isNaN(value)) return null;
  const type = column.sqlType.toUpperCase();
  if (type === "BOOLEAN") return value !== 0 ? "true" : "false";
  if (type === "DATE" || type.startsWith("TIMESTAMP")) {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return String(value);
    const iso = date.toISOString();
    return type === "DATE" ? iso.slice(0, 10) : iso;
  }
  return String(value);
}
