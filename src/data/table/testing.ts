import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { quoteLiteral, withDuckDB } from "./duckdb.js";

/** Test helpers: a scratch folder, and files written by DuckDB itself (Parquet above all). */

export interface Scratch {
  dir: string;
  path(name: string): string;
  remove(): void;
}

export function scratchDir(prefix = "rampart-table-"): Scratch {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    path: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Writes the rows of `query` (any DuckDB SELECT) to `path` in the given COPY format. Parquet
 * gets small row groups so that readers see many of them, as they would in a big file.
 */
export async function writeWithDuckDB(
  query: string,
  path: string,
  format: "parquet" | "csv" | "json",
): Promise<void> {
  const options =
    format === "csv"
      ? "FORMAT csv, HEADER true"
      : format === "parquet"
        ? "FORMAT parquet, ROW_GROUP_SIZE 10000"
        : "FORMAT json";
  await withDuckDB(async (connection) => {
    await connection.run(`COPY (${query}) TO ${quoteLiteral(path)} (${options})`);
  });
}
