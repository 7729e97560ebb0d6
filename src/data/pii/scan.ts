import { RampartError } from "../../core/index.js";
import type { Column, NumericColumn, Table } from "../table/types.js";
import { isPhoneColumn, isSsnColumn } from "./columnNames.js";
import { detectorFor, findPii } from "./detectors.js";
import { PII_KINDS, type PiiKind, type PiiMatch } from "./types.js";

/** How often one kind of personal data occurs in one column. */
export interface PiiKindCount {
  kind: PiiKind;
  /** Rows whose value holds at least one match of this kind. */
  rows: number;
  /** rows / non-null values scanned. */
  fraction: number;
  /** Up to three matches, masked: never the raw value. */
  examples: string[];
}

export interface PiiColumnReport {
  column: string;
  columnKind: "numeric" | "categorical";
  /** Non-null values looked at. */
  scanned: number;
  /** Only the kinds found, most frequent first. */
  kinds: PiiKindCount[];
}

export interface PiiScanReport {
  rows: number;
  /** Every column scanned, with or without PII. */
  columns: PiiColumnReport[];
  /** Numeric columns left out, and why. */
  skipped: { column: string; reason: string }[];
}

export interface PiiScanOptions {
  /** Only these columns (E_DATA when one does not exist). Default: every column. */
  columns?: string[];
}

const EXAMPLES = 3;

/**
 * Scans a table for personal data. Text (categorical) columns are scanned value by value,
 * each distinct value once. Numeric columns are scanned only where a number can itself be
 * personal data: whole numbers of 13–19 digits (card numbers stored as integers), and in
 * columns named like a phone or SSN column, whole numbers of 7–15 / 9 digits. Other numeric
 * columns (amounts, counts, measurements) are skipped: no format above fits a fraction, and
 * flagging every 10-digit ID as a phone number would bury the real findings.
 */
export function scanTable(table: Table, options: PiiScanOptions = {}): PiiScanReport {
  const report: PiiScanReport = { rows: table.nRows, columns: [], skipped: [] };
  for (const column of selectColumns(table, options.columns)) {
    if (column.kind === "categorical") {
      report.columns.push(scanColumnValues(column, table.nRows, dictionaryMatches(column)));
      continue;
    }
    const matches = numericMatches(column);
    if (matches === undefined) {
      report.skipped.push({ column: column.name, reason: "numeric values that cannot be PII" });
    } else report.columns.push(scanColumnValues(column, table.nRows, matches));
  }
  return report;
}

export function selectColumns(table: Table, names: string[] | undefined): Column[] {
  if (names === undefined) return table.columns;
  return names.map((name) => {
    const column = table.columns.find((c) => c.name === name);
    if (column === undefined) {
      throw new RampartError("E_DATA", `the data has no column "${name}"`, {
        hint: `columns: ${table.columns.map((c) => c.name).join(", ")}`,
      });
    }
    return column;
  });
}

/**
 * Per-row lookup of what a column's values hold. For a categorical column the key is the
 * dictionary code; for a numeric one the row itself.
 */
export interface ColumnMatches {
  /** The matches for row `row`, with the text they were found in; undefined for a null. */
  at(row: number): { text: string; matches: PiiMatch[] } | undefined;
}

export function dictionaryMatches(column: Extract<Column, { kind: "categorical" }>): ColumnMatches {
  const context = { name: column.name };
  const perCode = column.dictionary.map((text) => ({ text, matches: findPii(text, context) }));
  return {
    at: (row) => {
      const code = column.codes[row]!;
      return code < 0 ? undefined : perCode[code];
    },
  };
}

/** Undefined when the column cannot hold PII under the rule in `scanTable`'s comment. */
export function numericMatches(column: NumericColumn): ColumnMatches | undefined {
  const context = { name: column.name };
  const phoneLike = isPhoneColumn(column.name);
  const ssnLike = isSsnColumn(column.name);
  const values = column.values;
  let candidates = 0;
  for (let i = 0; i < values.length; i++) {
    if (isCandidate(values[i]!, phoneLike, ssnLike)) candidates++;
  }
  if (candidates === 0) return undefined;
  return {
    at: (row) => {
      const v = values[row]!;
      if (Number.isNaN(v)) return undefined;
      if (!isCandidate(v, phoneLike, ssnLike)) return { text: String(v), matches: [] };
      const text = integerText(v, ssnLike);
      return { text, matches: findPii(text, context) };
    },
  };
}

function isCandidate(v: number, phoneLike: boolean, ssnLike: boolean): boolean {
  // Past 2^53 a double no longer holds every integer: the digits would be made up.
  if (!Number.isSafeInteger(v) || v <= 0) return false;
  const digits = Math.floor(Math.log10(v)) + 1;
  return (
    (digits >= 13 && digits <= 19) ||
    (phoneLike && digits >= 7 && digits <= 15) ||
    (ssnLike && digits >= 7 && digits <= 9)
  );
}

/** An SSN column stored as numbers lost the leading zeros of areas 001–099: put them back. */
function integerText(v: number, ssnLike: boolean): string {
  const text = v.toFixed(0);
  return ssnLike && text.length < 9 ? text.padStart(9, "0") : text;
}

function scanColumnValues(column: Column, nRows: number, lookup: ColumnMatches): PiiColumnReport {
  const rows = new Map<PiiKind, number>();
  const examples = new Map<PiiKind, string[]>();
  let scanned = 0;
  const seenInRow = new Set<PiiKind>();
  for (let row = 0; row < nRows; row++) {
    const hit = lookup.at(row);
    if (hit === undefined) continue;
    scanned++;
    if (hit.matches.length === 0) continue;
    seenInRow.clear();
    for (const match of hit.matches) {
      if (seenInRow.has(match.kind)) continue;
      seenInRow.add(match.kind);
      rows.set(match.kind, (rows.get(match.kind) ?? 0) + 1);
      const list = examples.get(match.kind) ?? [];
      if (list.length < EXAMPLES) {
        const masked = detectorFor(match.kind).mask(hit.text.slice(match.start, match.end));
        if (!list.includes(masked)) list.push(masked);
        examples.set(match.kind, list);
      }
    }
  }
  const kinds = PII_KINDS.filter((k) => rows.has(k))
    .map((kind) => {
      const n = rows.get(kind)!;
      return { kind, rows: n, fraction: n / scanned, examples: examples.get(kind) ?? [] };
    })
    .sort((a, b) => b.rows - a.rows);
  return { column: column.name, columnKind: column.kind, scanned, kinds };
}
