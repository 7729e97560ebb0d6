import { describe, expect, it } from "vitest";
import { isRampartError } from "../../core/index.js";
import type { CategoricalColumn, Column, NumericColumn, Table } from "../table/types.js";
import { applyEncoding, encodeFeatures } from "./index.js";

const numeric = (name: string, values: number[]): NumericColumn => ({
  name,
  kind: "numeric",
  sqlType: "DOUBLE",
  values: Float64Array.from(values),
  nullCount: values.filter(Number.isNaN).length,
});
const categorical = (name: string, values: (string | null)[]): CategoricalColumn => {
  const dictionary: string[] = [];
  const codes = Int32Array.from(values, (v) => {
    if (v === null) return -1;
    let code = dictionary.indexOf(v);
    if (code < 0) code = dictionary.push(v) - 1;
    return code;
  });
  return {
    name,
    kind: "categorical",
    sqlType: "VARCHAR",
    codes,
    dictionary,
    nullCount: values.filter((v) => v === null).length,
  };
};
const table = (columns: Column[]): Table => ({
  nRows: columns[0]!.kind === "numeric" ? columns[0]!.values.length : columns[0]!.codes.length,
  columns,
  files: [],
});

const N = 40;
const rows = Array.from({ length: N }, (_, i) => i);
const base = (): Column[] => [
  numeric(
    "amount",
    rows.map((i) => (i % 10 === 3 ? Number.NaN : i)),
  ),
  categorical(
    "country",
    rows.map((i) => (i === 0 ? "ZZ" : i % 7 === 5 ? null : ["US", "FR"][i % 2]!)),
  ),
  categorical(
    "tx_id",
    rows.map((i) => `tx-${i}`),
  ),
  categorical(
    "vendor",
    rows.map((i) => ["a", "b"][i % 2]!),
  ),
  numeric(
    "label",
    rows.map((i) => (i < 30 ? 0 : 1)),
  ),
];

const expectDataError = (fn: () => unknown, message: RegExp) => {
  try {
    fn();
  } catch (error) {
    expect(isRampartError(error) && error.code).toBe("E_DATA");
    expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error("expected an E_DATA error");
};

describe("encodeFeatures", () => {
  it("imputes, one-hot encodes, leaves ids, label and source out", () => {
    const encoded = encodeFeatures(table(base()), { label: "label", source: "vendor" });
    expect(encoded.featureNames).toEqual([
      "amount",
      "amount=missing",
      "country=FR",
      "country=US",
      "country=other",
      "country=missing",
    ]);
    expect(encoded.classes).toEqual(["0", "1"]);
    expect(Array.from(encoded.y.subarray(28, 32))).toEqual([0, 0, 1, 1]);
    expect(encoded.sources!.names).toEqual(["a", "b"]);
    expect(encoded.encoding.excluded).toEqual([
      { column: "tx_id", reason: "every value is distinct (an id), so it cannot generalise" },
    ]);
    const f = encoded.nFeatures;
    const row = (i: number) => Array.from(encoded.X.subarray(i * f, (i + 1) * f));
    // Row 3: amount missing → median of the present values, indicator 1; country FR.
    const present = rows.filter((i) => i % 10 !== 3).sort((a, b) => a - b);
    const median = (present[17]! + present[18]!) / 2;
    expect(row(3)).toEqual([median, 1, 1, 0, 0, 0]);
    expect(row(0)).toEqual([0, 0, 0, 0, 1, 0]); // "ZZ" is rare → other
    expect(row(5)).toEqual([5, 0, 0, 0, 0, 1]); // null country
  });

  it("frequency-encodes a column with more than 32 values", () => {
    const columns = base();
    columns[1] = categorical(
      "merchant",
      rows.map((i) => `m${i % 35}`),
    );
    const encoded = encodeFeatures(table(columns), { label: "label", exclude: ["vendor"] });
    const j = encoded.featureNames.indexOf("merchant");
    expect(encoded.X[0 * encoded.nFeatures + j]).toBeCloseTo(2 / N, 12);
    expect(encoded.X[34 * encoded.nFeatures + j]).toBeCloseTo(1 / N, 12);
  });

  it("applies the same encoding to other data", () => {
    const encoded = encodeFeatures(table(base()), { label: "label", source: "vendor" });
    const other = applyEncoding(table(base()), encoded.encoding);
    expect(other.X).toEqual(encoded.X);
    const shifted = base();
    shifted[4] = numeric(
      "label",
      rows.map((i) => (i < 2 ? 7 : 0)),
    );
    expectDataError(() => applyEncoding(table(shifted), encoded.encoding), /classes .* 7/);
  });

  it("refuses unusable labels and data with E_DATA", () => {
    expectDataError(() => encodeFeatures(table(base()), { label: "target" }), /no column "target"/);
    const oneClass = base();
    oneClass[4] = numeric(
      "label",
      rows.map(() => 1),
    );
    expectDataError(() => encodeFeatures(table(oneClass), { label: "label" }), /single class/);
    const nullLabels = base();
    nullLabels[4] = numeric(
      "label",
      rows.map((i) => (i < 3 ? Number.NaN : i % 2)),
    );
    expectDataError(
      () => encodeFeatures(table(nullLabels), { label: "label" }),
      /3 of 40 rows have no value/,
    );
    const tiny = table(base().map((c) => (c.kind === "numeric" ? numeric(c.name, [0, 1]) : c)));
    expectDataError(() => encodeFeatures({ ...tiny, nRows: 2 }, { label: "label" }), /at least 20/);
  });
});
