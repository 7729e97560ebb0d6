import { createHmac } from "node:crypto";
import { columnValueAsString } from "../table/index.js";
import type { CategoricalColumn, Column, Table } from "../table/types.js";
import { type ColumnMatches, dictionaryMatches, numericMatches, selectColumns } from "./scan.js";
import type { PiiKind, PiiMatch } from "./types.js";

export const TOKEN_HEX_LENGTH = 12;

/**
 * `pii:<kind>:<first 12 hex of HMAC-SHA256(key, kind NUL normalized)>`. Same value, same key ⇒
 * same token, so joins and group-bys on a redacted column still work; 48 bits keep collisions
 * out of reach below ~10^7 distinct values per kind.
 */
export function redactionToken(key: Buffer, kind: PiiKind, normalized: string): string {
  const mac = createHmac("sha256", key).update(`${kind}\0${normalized}`).digest("hex");
  return `pii:${kind}:${mac.slice(0, TOKEN_HEX_LENGTH)}`;
}

export function redactText(text: string, matches: PiiMatch[], key: Buffer): string {
  let out = "";
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.start) + redactionToken(key, m.kind, m.normalized);
    at = m.end;
  }
  return out + text.slice(at);
}

export interface RedactionResult {
  table: Table;
  /** Per column changed: how many rows had a match replaced. */
  columns: { column: string; rows: number }[];
}

/**
 * A copy of the table with each PII match replaced by its token. Columns without a match are
 * the same objects as in the input (written back unchanged); a numeric column with a match
 * becomes text, since a token is not a number.
 */
export function redactTable(
  table: Table,
  key: Buffer,
  options: { columns?: string[] } = {},
): RedactionResult {
  const chosen = new Set(selectColumns(table, options.columns));
  const changed: RedactionResult["columns"] = [];
  const columns = table.columns.map((column): Column => {
    if (!chosen.has(column)) return column;
    const lookup =
      column.kind === "categorical" ? dictionaryMatches(column) : numericMatches(column);
    if (lookup === undefined) return column;
    const redacted = redactColumn(column, table.nRows, lookup, key);
    if (redacted === undefined) return column;
    changed.push({ column: column.name, rows: redacted.rows });
    return redacted.column;
  });
  return { table: { ...table, columns }, columns: changed };
}

function redactColumn(
  column: Column,
  nRows: number,
  lookup: ColumnMatches,
  key: Buffer,
): { column: CategoricalColumn; rows: number } | undefined {
  const codes = new Int32Array(nRows);
  const dictionary: string[] = [];
  const codeOf = new Map<string, number>();
  let rows = 0;
  for (let row = 0; row < nRows; row++) {
    const hit = lookup.at(row);
    if (hit === undefined) {
      codes[row] = -1;
      continue;
    }
    let text: string;
    if (hit.matches.length > 0) {
      rows++;
      text = redactText(hit.text, hit.matches, key);
    } else {
      text = column.kind === "categorical" ? hit.text : (columnValueAsString(column, row) ?? "");
    }
    let code = codeOf.get(text);
    if (code === undefined) {
      code = dictionary.length;
      dictionary.push(text);
      codeOf.set(text, code);
    }
    codes[row] = code;
  }
  if (rows === 0) return undefined;
  return {
    column: {
      name: column.name,
      kind: "categorical",
      sqlType: "VARCHAR",
      codes,
      dictionary,
      nullCount: column.nullCount,
    },
    rows,
  };
}
