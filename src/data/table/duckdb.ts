import {
  type DuckDBConnection,
  type DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBResult,
  type DuckDBVector,
} from "@duckdb/node-api";

/**
 * A private in-memory DuckDB for one read or write. Extensions are never installed or loaded
 * on demand: a data file must not make Rampart reach the network (CSV, Parquet and JSON are
 * built into the binary). Timestamps are read and written in UTC so epoch milliseconds do not
 * depend on the machine's time zone.
 */
export async function withDuckDB<T>(
  work: (connection: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(":memory:", {
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  });
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** A SQL identifier, quoted; user-controlled column names never reach SQL any other way. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A SQL string literal (DuckDB strings have no backslash escapes: doubling quotes is enough). */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * DuckDB's message on one line: its first paragraph without the error-class prefix, the echoed
 * SQL, the offending input line (which may hold sensitive data) and DuckDB's own option advice
 * (which names its SQL options, not Rampart's), cut to 300 characters.
 */
export function shortDuckDBMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const paragraph: string[] = [];
  for (const line of message.split("\n")) {
    const text = line.trim();
    if (text === "") {
      if (paragraph.length > 0) break;
      continue;
    }
    if (/^(Possible (fixes|solutions)|The search space used was)/i.test(text)) break;
    if (/^(Original Line|LINE \d+):/.test(text) || /^\^$/.test(text)) continue;
    paragraph.push(text);
  }
  const joined = paragraph.join("; ").replace(/^[A-Za-z ]*Error: /, "");
  return joined.length > 300 ? `${joined.slice(0, 297)}...` : joined;
}

/** Calls `visit` with each chunk of a result and the row offset of its first row. */
export async function forEachChunk(
  result: DuckDBResult,
  visit: (chunk: DuckDBDataChunk, offset: number) => void,
): Promise<number> {
  let offset = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return offset;
    visit(chunk, offset);
    offset += chunk.rowCount;
  }
}

/**
 * Copies a DOUBLE vector that holds no NULL (the query coalesced them) into `target`.
 * `DuckDBVector.getItem` checks validity through BigInt arithmetic per item, which costs about
 * 150 ms per million values; the typed array the double vector wraps is copied in one `set`.
 * That array is a private field of @duckdb/node-api, so it is checked before use and the
 * public per-item path remains the fallback should a release rename it.
 */
export function copyDoubles(vector: DuckDBVector, target: Float64Array, offset: number): void {
  const count = vector.itemCount;
  const raw = (vector as unknown as { items?: unknown }).items;
  if (raw instanceof Float64Array && raw.length === count) {
    target.set(raw, offset);
    return;
  }
  for (let i = 0; i < count; i++) {
    const value = vector.getItem(i);
    target[offset + i] = typeof value === "number" ? value : Number.NaN;
  }
}

/**
 * Fills a DOUBLE vector of a chunk being built with `source[start .. start + itemCount)` and
 * flushes it to DuckDB. NaN is written as NaN (the SQL that reads the chunk turns it into
 * NULL), so no validity bit is ever touched. Same private-field fast path as `copyDoubles`.
 */
export function fillDoubles(vector: DuckDBVector, source: Float64Array, start: number): void {
  const count = vector.itemCount;
  const raw = (vector as unknown as { items?: unknown }).items;
  if (raw instanceof Float64Array && raw.length === count) {
    raw.set(source.subarray(start, start + count));
  } else {
    for (let i = 0; i < count; i++) vector.setItem(i, source[start + i]!);
  }
  vector.flush();
}
