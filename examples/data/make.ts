/**
 * Writes the example data the README's "Training data" section runs on (committed beside this
 * script; re-run with `npx tsx examples/data/make.ts`):
 * - reference.csv — 3,000 clean card transactions (2% fraud) from the bank's own warehouse;
 * - transactions.csv — 3,000 new ones from 10 partners, where partner-07 flipped 30% of its
 *   labels (the nightly-feedback attack of DESIGN.md), with a text column and missing values;
 * - customers.csv — a few rows holding personal data for `rampart data pii`.
 */
import { resolve } from "node:path";
import {
  assignContributors,
  flipContributorLabels,
  makeFraudData,
} from "../../src/data/poisoning/testing/index.js";
import type { CategoricalColumn, Column, Table } from "../../src/data/table/index.js";
import { writeTable } from "../../src/data/table/index.js";

const here = resolve(import.meta.dirname);
const COUNTRIES = ["US", "GB", "FR", "DE", "NL"];

function categorical(name: string, values: string[]): CategoricalColumn {
  const dictionary: string[] = [];
  const index = new Map<string, number>();
  const codes = new Int32Array(values.length);
  values.forEach((v, i) => {
    let code = index.get(v);
    if (code === undefined) {
      code = dictionary.push(v) - 1;
      index.set(v, code);
    }
    codes[i] = code;
  });
  return { name, kind: "categorical", sqlType: "VARCHAR", codes, dictionary, nullCount: 0 };
}

function transactions(seed: number, poison: boolean): Table {
  const data = makeFraudData({ rows: 3000, fraudRate: 0.02, seed });
  const partners = assignContributors(data.nRows, 10, seed);
  partners.names = partners.names.map((_, i) => `partner-${String(i + 1).padStart(2, "0")}`);
  const y = poison ? flipContributorLabels(data.y, 2, partners.codes, 6, 0.3, seed).y : data.y;
  const columns: Column[] = data.featureNames.slice(0, 12).map((name, j) => {
    const values = new Float64Array(data.nRows);
    let nullCount = 0;
    for (let i = 0; i < data.nRows; i++) {
      // A few missing amounts, as real exports have.
      if (j === 0 && i % 97 === 5) {
        values[i] = Number.NaN;
        nullCount++;
      } else values[i] = Math.round(data.X[i * data.nFeatures + j]! * 1000) / 1000;
    }
    return { name, kind: "numeric", sqlType: "DOUBLE", values, nullCount };
  });
  columns.push(
    categorical(
      "country",
      Array.from({ length: data.nRows }, (_, i) => COUNTRIES[(i * 7 + seed) % COUNTRIES.length]!),
    ),
  );
  if (poison) {
    columns.push(
      categorical(
        "partner",
        Array.from(partners.codes, (c) => partners.names[c]!),
      ),
    );
  }
  columns.push(
    categorical(
      "is_fraud",
      Array.from(y, (v) => data.classes[v]!),
    ),
  );
  return { nRows: data.nRows, columns, files: [] };
}

const customers: Table = {
  nRows: 4,
  files: [],
  columns: [
    categorical("name", ["Ada", "Brian", "Chen", "Dana"]),
    categorical("email", ["ada@example.com", "brian@example.org", "chen@example.net", "n/a"]),
    categorical("card", ["4111 1111 1111 1111", "5500-0000-0000-0004", "none", "none"]),
    categorical("note", ["called from 10.0.4.17", "ok", "IBAN GB82 WEST 1234 5698 7654 32", "ok"]),
  ],
};

await writeTable(transactions(11, false), resolve(here, "reference.csv"));
await writeTable(transactions(12, true), resolve(here, "transactions.csv"));
await writeTable(customers, resolve(here, "customers.csv"));
console.log(`wrote reference.csv, transactions.csv, customers.csv in ${here}`);
