/**
 * Turns a table into the dense numeric matrix the poisoning detectors and learners read:
 *  - numeric columns as they are, nulls imputed with the median, plus a `column=missing`
 *    0/1 feature when the column has nulls;
 *  - categorical columns with ≤ 32 distinct values one-hot (`column=value`); values seen in
 *    fewer than max(2, 0.5% of rows) rows share one `column=other` feature; nulls get
 *    `column=missing`;
 *  - categorical columns with more distinct values frequency-encoded (the value's share of rows);
 *  - a categorical column whose every value is distinct (an id) is left out, with a note;
 *  - the label column becomes class indices (its values' string form, classes sorted), the
 *    source column becomes contributor codes; neither is a feature.
 * The returned `encoding` is plain JSON: `applyEncoding` encodes other data (trusted data, a new
 * batch) with the same features, medians and categories.
 */
import { RampartError } from "../../core/index.js";
import { columnValueAsString, getColumn } from "../table/index.js";
import type { Column, Table } from "../table/types.js";

export const MAX_ONE_HOT = 32;
export const MIN_ROWS = 20;

export type FeatureEncoding =
  | { column: string; kind: "numeric"; median: number; missingIndicator: boolean }
  | {
      column: string;
      kind: "onehot";
      categories: string[];
      other: boolean;
      missingIndicator: boolean;
    }
  | { column: string; kind: "frequency"; frequencies: Record<string, number> };

export interface Encoding {
  label: string;
  source?: string;
  classes: string[];
  features: FeatureEncoding[];
  featureNames: string[];
  excluded: { column: string; reason: string }[];
}

export interface EncodedTable {
  X: Float64Array;
  nRows: number;
  nFeatures: number;
  featureNames: string[];
  y: Int32Array;
  classes: string[];
  sources?: { codes: Int32Array; names: string[] };
  encoding: Encoding;
  /** What the encoder decided that a user should know (ids left out, rare categories merged). */
  notes: string[];
}

export interface EncodeOptions {
  label: string;
  exclude?: string[];
  source?: string;
}

export function encodeFeatures(table: Table, options: EncodeOptions): EncodedTable {
  const labelColumn = getColumn(table, options.label);
  const sourceColumn = options.source === undefined ? undefined : getColumn(table, options.source);
  for (const name of options.exclude ?? []) getColumn(table, name);
  if (table.nRows < MIN_ROWS) {
    throw new RampartError(
      "E_DATA",
      `the data has ${table.nRows} rows; poisoning checks need at least ${MIN_ROWS}`,
      { hint: "inspect a larger batch, or several files together" },
    );
  }
  const classes = labelClasses(labelColumn, table.nRows);
  if (classes.length < 2) {
    throw new RampartError(
      "E_DATA",
      `the label column "${options.label}" has a single class ("${classes[0]}")`,
      { hint: "label checks need at least two classes; is --label the right column?" },
    );
  }
  const skip = new Set([options.label, ...(options.exclude ?? [])]);
  if (options.source !== undefined) skip.add(options.source);
  const features: FeatureEncoding[] = [];
  const excluded: { column: string; reason: string }[] = (options.exclude ?? []).map((c) => ({
    column: c,
    reason: "excluded (--exclude)",
  }));
  const notes: string[] = [];
  for (const column of table.columns) {
    if (skip.has(column.name)) continue;
    const feature = planColumn(column, table.nRows);
    if ("reason" in feature) {
      excluded.push(feature);
      notes.push(`column "${column.name}" left out: ${feature.reason}`);
      continue;
    }
    if (feature.kind === "onehot" && feature.other) {
      notes.push(`column "${column.name}": rare values share one "${column.name}=other" feature`);
    }
    features.push(feature);
  }
  const encoding: Encoding = {
    label: options.label,
    ...(options.source === undefined ? {} : { source: options.source }),
    classes,
    features,
    featureNames: features.flatMap(featureNamesOf),
    excluded,
  };
  const encoded = encodeWith(table, encoding);
  const result: EncodedTable = { ...encoded, encoding, notes };
  if (sourceColumn !== undefined) result.sources = sourceCodes(sourceColumn, table.nRows);
  return result;
}

/** Encodes another table (trusted data, a new batch) exactly as `encoding` says. */
export function applyEncoding(
  table: Table,
  encoding: Encoding,
): Omit<EncodedTable, "sources" | "encoding" | "notes"> {
  return encodeWith(table, encoding);
}

function encodeWith(table: Table, encoding: Encoding) {
  const n = table.nRows;
  const f = encoding.featureNames.length;
  const X = new Float64Array(n * f);
  let offset = 0;
  for (const feature of encoding.features) {
    const column = getColumn(table, feature.column);
    offset = writeFeature(X, n, f, offset, column, feature);
  }
  const labelColumn = getColumn(table, encoding.label);
  const classIndex = new Map(encoding.classes.map((c, i) => [c, i]));
  const y = new Int32Array(n);
  let nulls = 0;
  const unknown = new Set<string>();
  for (let i = 0; i < n; i++) {
    const value = columnValueAsString(labelColumn, i);
    if (value === null) {
      nulls++;
      continue;
    }
    const index = classIndex.get(value);
    if (index === undefined) unknown.add(value);
    else y[i] = index;
  }
  if (nulls > 0) throw nullLabels(encoding.label, nulls, n);
  if (unknown.size > 0) {
    throw new RampartError(
      "E_DATA",
      `the label column "${encoding.label}" has classes the reference data does not: ${[...unknown].slice(0, 5).join(", ")}`,
      { hint: `the known classes are ${encoding.classes.join(", ")}` },
    );
  }
  return {
    X,
    nRows: n,
    nFeatures: f,
    featureNames: encoding.featureNames,
    y,
    classes: encoding.classes,
  };
}

function nullLabels(label: string, nulls: number, n: number): RampartError {
  return new RampartError(
    "E_DATA",
    `${nulls} of ${n} rows have no value in the label column "${label}"`,
    {
      hint: "drop the unlabelled rows (or fill them) before inspecting; poisoning checks judge labels",
      details: { column: label, nullRows: nulls },
    },
  );
}

function labelClasses(column: Column, n: number): string[] {
  const seen = new Set<string>();
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const value = columnValueAsString(column, i);
    if (value === null) nulls++;
    else seen.add(value);
  }
  if (nulls > 0) throw nullLabels(column.name, nulls, n);
  const classes = [...seen];
  if (column.kind === "numeric") return classes.sort((a, b) => Number(a) - Number(b));
  return classes.sort();
}

function sourceCodes(column: Column, n: number): { codes: Int32Array; names: string[] } {
  const names: string[] = [];
  const index = new Map<string, number>();
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const value = columnValueAsString(column, i);
    if (value === null) {
      codes[i] = -1;
      continue;
    }
    let code = index.get(value);
    if (code === undefined) {
      code = names.length;
      index.set(value, code);
      names.push(value);
    }
    codes[i] = code;
  }
  return { codes, names };
}

function planColumn(
  column: Column,
  n: number,
): FeatureEncoding | { column: string; reason: string } {
  if (column.kind === "numeric") {
    const present: number[] = [];
    for (let i = 0; i < n; i++)
      if (!Number.isNaN(column.values[i]!)) present.push(column.values[i]!);
    if (present.length === 0) return { column: column.name, reason: "every value is null" };
    return {
      column: column.name,
      kind: "numeric",
      median: median(present),
      missingIndicator: present.length < n,
    };
  }
  const counts = new Int32Array(column.dictionary.length);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const code = column.codes[i]!;
    if (code < 0) nulls++;
    else counts[code]! += 1;
  }
  const present = n - nulls;
  if (present === 0) return { column: column.name, reason: "every value is null" };
  if (column.dictionary.length === present && present > 1) {
    return {
      column: column.name,
      reason: "every value is distinct (an id), so it cannot generalise",
    };
  }
  if (column.dictionary.length > MAX_ONE_HOT) {
    const frequencies: Record<string, number> = {};
    column.dictionary.forEach((value, code) => {
      frequencies[value] = counts[code]! / n;
    });
    return { column: column.name, kind: "frequency", frequencies };
  }
  const minCount = Math.max(2, Math.ceil(0.005 * n));
  const categories: string[] = [];
  let other = false;
  column.dictionary.forEach((value, code) => {
    if (counts[code]! >= minCount) categories.push(value);
    else if (counts[code]! > 0) other = true;
  });
  categories.sort();
  return { column: column.name, kind: "onehot", categories, other, missingIndicator: nulls > 0 };
}

function featureNamesOf(feature: FeatureEncoding): string[] {
  if (feature.kind === "numeric") {
    return feature.missingIndicator
      ? [feature.column, `${feature.column}=missing`]
      : [feature.column];
  }
  if (feature.kind === "frequency") return [feature.column];
  return [
    ...feature.categories.map((c) => `${feature.column}=${c}`),
    ...(feature.other ? [`${feature.column}=other`] : []),
    ...(feature.missingIndicator ? [`${feature.column}=missing`] : []),
  ];
}

/** Writes one column's features into X starting at feature `offset`; returns the next offset. */
function writeFeature(
  X: Float64Array,
  n: number,
  f: number,
  offset: number,
  column: Column,
  feature: FeatureEncoding,
): number {
  if (feature.kind === "numeric") {
    for (let i = 0; i < n; i++) {
      const v = numericValue(column, i);
      const missing = Number.isNaN(v);
      X[i * f + offset] = missing ? feature.median : v;
      if (feature.missingIndicator) X[i * f + offset + 1] = missing ? 1 : 0;
    }
    return offset + (feature.missingIndicator ? 2 : 1);
  }
  if (feature.kind === "frequency") {
    for (let i = 0; i < n; i++) {
      const value = columnValueAsString(column, i);
      X[i * f + offset] = value === null ? 0 : (feature.frequencies[value] ?? 0);
    }
    return offset + 1;
  }
  const position = new Map(feature.categories.map((c, t) => [c, t]));
  const otherSlot = feature.other ? feature.categories.length : -1;
  const missingSlot = feature.missingIndicator
    ? feature.categories.length + (feature.other ? 1 : 0)
    : -1;
  for (let i = 0; i < n; i++) {
    const value = columnValueAsString(column, i);
    if (value === null) {
      if (missingSlot >= 0) X[i * f + offset + missingSlot] = 1;
      continue;
    }
    const slot = position.get(value) ?? otherSlot;
    if (slot >= 0) X[i * f + offset + slot] = 1;
  }
  return (
    offset +
    feature.categories.length +
    (feature.other ? 1 : 0) +
    (feature.missingIndicator ? 1 : 0)
  );
}

/** A numeric column's value, or a categorical column's value parsed as a number (NaN if not). */
function numericValue(column: Column, row: number): number {
  if (column.kind === "numeric") return column.values[row]!;
  const value = columnValueAsString(column, row);
  if (value === null || value.trim() === "") return Number.NaN;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : Number.NaN;
}

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
