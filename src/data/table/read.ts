import type { DuckDBConnection, DuckDBType } from "@duckdb/node-api";
import { RampartError } from "../../core/errors.js";
import { guessDelimiter } from "./csvDelimiter.js";
import {
  copyDoubles,
  forEachChunk,
  quoteLiteral,
  shortDuckDBMessage,
  withDuckDB,
} from "./duckdb.js";
import { type InputFile, isGzipped, resolveInputs } from "./format.js";
import { type ColumnKind, kindOf, stagingExpression } from "./sqlTypes.js";
import type { CategoricalColumn, Column, DataFormat, NumericColumn, Table } from "./types.js";

export interface ReadTableOptions {
  /** Read every file as this format instead of going by extension. */
  format?: DataFormat;
}

/**
 * Reads CSV, Parquet or JSONL files (or folders of them) into one `Table`, through DuckDB.
 * Several files must have the same columns (in any order: the first file's order is kept) and
 * are concatenated in the order given. Types are DuckDB's inference; where files disagree on a
 * column's type it becomes DOUBLE if every file has it numeric, text otherwise.
 *
 * Every problem with the input is an E_DATA `RampartError` naming the file: missing, empty,
 * no rows, unparsable (DuckDB's reason, first line), columns differing between files.
 */
export async function readTable(
  paths: readonly string[],
  options: ReadTableOptions = {},
): Promise<Table> {
  const inputs = resolveInputs(paths, options.format);
  for (const input of inputs) {
    if (input.size === 0) {
      throw new RampartError("E_DATA", `${input.path} is empty`, {
        hint: "a data file needs at least a header (CSV) and one row",
      });
    }
  }
  return withDuckDB(async (connection) => {
    // DuckDB infers types from the first rows only; a file whose later rows do not fit is read
    // again with inference over the whole file (slower, so not the default).
    const wholeFileInference = new Set<number>();
    for (;;) {
      try {
        return await load(connection, inputs, wholeFileInference);
      } catch (error) {
        if (!(error instanceof NeedsWholeFileInference)) throw error;
        wholeFileInference.add(error.fileIndex);
        await connection.run("DROP TABLE IF EXISTS staged");
      }
    }
  });
}

class NeedsWholeFileInference extends Error {
  constructor(readonly fileIndex: number) {
    super("type inference from a sample did not fit the whole file");
  }
}

interface FileSchema {
  names: string[];
  types: DuckDBType[];
}

interface PlannedColumn {
  name: string;
  kind: ColumnKind;
  sqlType: string;
}

async function load(
  connection: DuckDBConnection,
  inputs: readonly InputFile[],
  wholeFileInference: ReadonlySet<number>,
): Promise<Table> {
  const readers = inputs.map((input, i) => readerSql(input, wholeFileInference.has(i)));
  const schemas: FileSchema[] = [];
  for (const [i, input] of inputs.entries()) {
    schemas.push(await describe(connection, input, readers[i]!));
  }
  const plan = planColumns(inputs, schemas);

  const staged = plan.map((column, j) => {
    const type = column.kind === "numeric" ? "DOUBLE" : "VARCHAR";
    return `${stagedName(j)} ${type}`;
  });
  await connection.run(`CREATE TABLE staged (${staged.join(", ")})`);
  const rows: number[] = [];
  for (const [i, input] of inputs.entries()) {
    const schema = schemas[i]!;
    const select = plan.map((column) => {
      const type = schema.types[schema.names.indexOf(column.name)]!;
      return stagingExpression(column.name, type, column.kind);
    });
    let inserted: number;
    try {
      const result = await connection.run(
        `INSERT INTO staged SELECT ${select.join(", ")} FROM ${readers[i]}`,
      );
      inserted = result.rowsChanged;
    } catch (error) {
      if (
        !wholeFileInference.has(i) &&
        input.format !== "parquet" &&
        /conver|cast/i.test(error instanceof Error ? error.message : String(error))
      ) {
        throw new NeedsWholeFileInference(i);
      }
      throw unreadable(input, error);
    }
    if (inserted === 0) {
      throw new RampartError("E_DATA", `${input.path} has no rows`, {
        hint: "remove the file from the input, or add the rows it is meant to have",
      });
    }
    rows.push(inserted);
  }
  const nRows = rows.reduce((sum, n) => sum + n, 0);
  const columns = await readStaged(connection, plan, nRows);
  return {
    nRows,
    columns,
    files: inputs.map((input, i) => ({
      path: input.path,
      format: input.format,
      size: input.size,
      rows: rows[i]!,
    })),
  };
}

function stagedName(j: number): string {
  return `c${j}`;
}

function readerSql(input: InputFile, wholeFile: boolean): string {
  const path = quoteLiteral(input.path);
  const sample = wholeFile ? ", sample_size = -1" : "";
  switch (input.format) {
    case "csv": {
      const tabs = /\.tsv(\.gz)?$/i.test(input.path);
      // A gzipped file's header cannot be peeked at cheaply: DuckDB sniffs it, but may not
      // skip lines to make a dialect fit.
      const delimiter = isGzipped(input.path)
        ? ""
        : `, delim = ${quoteLiteral(guessDelimiter(input.path, tabs))}`;
      return `read_csv(${path}, header = true, skip = 0${delimiter}${sample})`;
    }
    case "parquet":
      return `read_parquet(${path})`;
    case "jsonl":
      return `read_json(${path}, format = 'auto'${sample})`;
  }
}

async function describe(
  connection: DuckDBConnection,
  input: InputFile,
  reader: string,
): Promise<FileSchema> {
  let names: string[];
  let types: DuckDBType[];
  try {
    const result = await connection.runAndReadAll(`SELECT * FROM ${reader} LIMIT 0`);
    names = result.columnNames();
    types = result.columnTypes();
  } catch (error) {
    throw unreadable(input, error);
  }
  if (names.length === 0) {
    throw new RampartError("E_DATA", `${input.path} has no columns`);
  }
  return { names, types };
}

function planColumns(
  inputs: readonly InputFile[],
  schemas: readonly FileSchema[],
): PlannedColumn[] {
  const first = schemas[0]!;
  for (const [i, schema] of schemas.entries()) {
    if (i === 0) continue;
    const missing = first.names.filter((name) => !schema.names.includes(name));
    const extra = schema.names.filter((name) => !first.names.includes(name));
    if (missing.length > 0 || extra.length > 0) {
      const parts = [
        missing.length > 0 ? `lacks ${missing.join(", ")}` : "",
        extra.length > 0 ? `has ${extra.join(", ")} in addition` : "",
      ].filter((part) => part !== "");
      throw new RampartError(
        "E_DATA",
        `${inputs[i]!.path} does not have the columns of ${inputs[0]!.path}: it ${parts.join(" and ")}`,
        {
          hint: "files read together are concatenated, so they must have the same columns",
          details: { file: inputs[i]!.path, missing, extra },
        },
      );
    }
  }
  return first.names.map((name) => {
    const types = schemas.map((schema) => schema.types[schema.names.indexOf(name)]!);
    const kinds = new Set(types.map(kindOf));
    const kind: ColumnKind = kinds.size === 1 && kinds.has("numeric") ? "numeric" : "categorical";
    const spelled = new Set(types.map((type) => type.toString()));
    const sqlType =
      spelled.size === 1 ? [...spelled][0]! : kind === "numeric" ? "DOUBLE" : "VARCHAR";
    return { name, kind, sqlType };
  });
}

/**
 * Reads every staged column as DOUBLE in one scan: numeric NULL as NaN, categorical values as
 * their code in an ENUM of the column's distinct values (sorted), NULL as -1. The codes are then
 * renumbered in order of first appearance, which is what `CategoricalColumn` promises.
 */
async function readStaged(
  connection: DuckDBConnection,
  plan: readonly PlannedColumn[],
  nRows: number,
): Promise<Column[]> {
  const sortedDictionaries: string[][] = [];
  const select: string[] = [];
  for (const [j, column] of plan.entries()) {
    const staged = stagedName(j);
    if (column.kind === "numeric") {
      select.push(`coalesce(${staged}, 'NaN'::DOUBLE)`);
      sortedDictionaries.push([]);
      continue;
    }
    const enumType = `dictionary_${j}`;
    await connection.run(
      `CREATE TYPE ${enumType} AS ENUM (SELECT DISTINCT ${staged} FROM staged WHERE ${staged} IS NOT NULL ORDER BY 1)`,
    );
    const dictionary: string[] = [];
    const values = await connection.run(`SELECT unnest(enum_range(NULL::${enumType}))`);
    await forEachChunk(values, (chunk) => {
      const vector = chunk.getColumnVector(0);
      for (let i = 0; i < chunk.rowCount; i++) dictionary.push(String(vector.getItem(i)));
    });
    sortedDictionaries.push(dictionary);
    select.push(`coalesce(CAST(enum_code(CAST(${staged} AS ${enumType})) AS DOUBLE), -1.0)`);
  }

  const raw = plan.map(() => new Float64Array(nRows));
  const result = await connection.stream(`SELECT ${select.join(", ")} FROM staged`);
  await forEachChunk(result, (chunk, offset) => {
    for (let j = 0; j < raw.length; j++) copyDoubles(chunk.getColumnVector(j), raw[j]!, offset);
  });

  return plan.map((column, j): Column => {
    const values = raw[j]!;
    if (column.kind === "numeric") return numericColumn(column, values);
    return categoricalColumn(column, values, sortedDictionaries[j]!);
  });
}

function numericColumn(column: PlannedColumn, values: Float64Array): NumericColumn {
  let nullCount = 0;
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i]!)) nullCount++;
  return { name: column.name, kind: "numeric", sqlType: column.sqlType, values, nullCount };
}

function categoricalColumn(
  column: PlannedColumn,
  sortedCodes: Float64Array,
  sortedDictionary: readonly string[],
): CategoricalColumn {
  const renumbered = new Int32Array(sortedDictionary.length).fill(-1);
  const dictionary: string[] = [];
  const codes = new Int32Array(sortedCodes.length);
  let nullCount = 0;
  for (let i = 0; i < sortedCodes.length; i++) {
    const sorted = sortedCodes[i]!;
    if (sorted < 0) {
      codes[i] = -1;
      nullCount++;
      continue;
    }
    let code = renumbered[sorted]!;
    if (code < 0) {
      code = dictionary.length;
      renumbered[sorted] = code;
      dictionary.push(sortedDictionary[sorted]!);
    }
    codes[i] = code;
  }
  return {
    name: column.name,
    kind: "categorical",
    sqlType: column.sqlType,
    codes,
    dictionary,
    nullCount,
  };
}

const FORMAT_NAMES: Record<DataFormat, string> = { csv: "CSV", parquet: "Parquet", jsonl: "JSON" };

const FORMAT_HINTS: Record<DataFormat, string> = {
  csv:
    "every row needs as many fields as the header line, quotes must be closed, and the file " +
    "must be UTF-8; if it is not CSV, give it the extension of its format (.parquet, .jsonl)",
  parquet:
    "the file is not valid Parquet; if it is another format, give it that format's extension " +
    "(.csv, .jsonl)",
  jsonl: "the file must hold one JSON object per line (or a JSON array of objects)",
};

function unreadable(input: InputFile, error: unknown): RampartError {
  return new RampartError(
    "E_DATA",
    `cannot read ${input.path} as ${FORMAT_NAMES[input.format]}: ${shortDuckDBMessage(error)}`,
    { hint: FORMAT_HINTS[input.format], cause: error },
  );
}
