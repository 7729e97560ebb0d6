import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import {
  DOUBLE,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBVector,
  VARCHAR,
} from "@duckdb/node-api";
import { RampartError } from "../../core/errors.js";
import {
  fillDoubles,
  quoteIdentifier,
  quoteLiteral,
  shortDuckDBMessage,
  withDuckDB,
} from "./duckdb.js";
import { detectFormat, isGzipped } from "./format.js";
import { restoreExpression } from "./sqlTypes.js";
import type { CategoricalColumn, DataFormat, Table } from "./types.js";

/**
 * Writes a table as CSV (with header), Parquet or newline-delimited JSON — by the path's
 * extension unless `format` is given — through DuckDB. Numeric columns get their SQL type back
 * (BIGINT stays BIGINT, DATE stays DATE); categorical columns are written as text. The file
 * appears whole or not at all: DuckDB writes a temporary file beside it, which is then renamed.
 */
export async function writeTable(table: Table, path: string, format?: DataFormat): Promise<void> {
  const target = resolve(path);
  const chosen = format ?? detectFormat(target);
  const folder = dirname(target);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new RampartError("E_IO", `cannot write ${target}: the folder ${folder} does not exist`, {
      hint: "create the folder first",
    });
  }
  const temporary = join(folder, `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await withDuckDB(async (connection) => {
      await stage(connection, table);
      const select = table.columns.map((column, j) => {
        const staged = `c${j}`;
        const value =
          column.kind === "numeric" ? restoreExpression(staged, column.sqlType) : staged;
        return `${value} AS ${quoteIdentifier(column.name)}`;
      });
      await connection.run(
        `COPY (SELECT ${select.join(", ")} FROM staged) TO ${quoteLiteral(temporary)} (${copyOptions(chosen, target)})`,
      );
    });
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    if (error instanceof RampartError) throw error;
    throw new RampartError("E_IO", `cannot write ${target}: ${shortDuckDBMessage(error)}`, {
      hint: `check that ${folder} is writable and has space`,
      cause: error,
    });
  }
}

function copyOptions(format: DataFormat, target: string): string {
  const gzip = isGzipped(target) ? ", COMPRESSION gzip" : "";
  switch (format) {
    case "csv":
      return `FORMAT csv, HEADER true${gzip}`;
    case "parquet":
      return "FORMAT parquet";
    case "jsonl":
      return `FORMAT json${gzip}`;
  }
}

/** Loads the table into DuckDB table `staged` (c0, c1, … as DOUBLE or VARCHAR), in row order. */
async function stage(connection: DuckDBConnection, table: Table): Promise<void> {
  const types = table.columns.map((column) => (column.kind === "numeric" ? DOUBLE : VARCHAR));
  const declared = types.map((type, j) => `c${j} ${type.toString()}`);
  await connection.run(`CREATE TABLE staged (${declared.join(", ")})`);
  if (table.columns.length === 0 || table.nRows === 0) return;
  const appender = await connection.createAppender("staged");
  const chunkSize = DuckDBVector.standardSize();
  for (let start = 0; start < table.nRows; start += chunkSize) {
    const count = Math.min(chunkSize, table.nRows - start);
    const chunk = DuckDBDataChunk.create(types, count);
    for (const [j, column] of table.columns.entries()) {
      const vector = chunk.getColumnVector(j);
      if (column.kind === "numeric") fillDoubles(vector, column.values, start);
      else fillText(vector, column, start);
    }
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
}

function fillText(vector: DuckDBVector, column: CategoricalColumn, start: number): void {
  for (let i = 0; i < vector.itemCount; i++) {
    const code = column.codes[start + i]!;
    vector.setItem(i, code < 0 ? null : column.dictionary[code]!);
  }
  vector.flush();
}
