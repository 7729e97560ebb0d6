import { describe, expect, it } from "vitest";
import { RampartError } from "../../core/errors.js";
import { columnValueAsString, getColumn, selectRows } from "./columns.js";
import { detectFormat } from "./format.js";
import type { CategoricalColumn, NumericColumn, Table } from "./types.js";

const amount: NumericColumn = {
  name: "amount",
  kind: "numeric",
  sqlType: "DOUBLE",
  values: Float64Array.from([1.5, Number.NaN, -3, 0.1]),
  nullCount: 1,
};
const country: CategoricalColumn = {
  name: "Country",
  kind: "categorical",
  sqlType: "VARCHAR",
  codes: Int32Array.from([0, 1, -1, 2]),
  dictionary: ["FR", "DE", "ES"],
  nullCount: 1,
};
const table: Table = {
  nRows: 4,
  columns: [amount, country],
  files: [
    { path: "/a.csv", format: "csv", size: 10, rows: 2 },
    { path: "/b.csv", format: "csv", size: 10, rows: 2 },
  ],
};

describe("getColumn", () => {
  it("finds a column by exact name", () => {
    expect(getColumn(table, "amount")).toBe(amount);
  });

  it("names the available columns, or the near miss, when missing", () => {
    const missing = (() => {
      try {
        getColumn(table, "label");
      } catch (error) {
        return error as RampartError;
      }
    })();
    expect(missing).toBeInstanceOf(RampartError);
    expect(missing?.code).toBe("E_DATA");
    expect(missing?.message).toContain('"label"');
    expect(missing?.hint).toBe("its columns are: amount, Country");
    expect(() => getColumn(table, "country")).toThrow(
      expect.objectContaining({ hint: expect.stringContaining('did you mean "Country"') }),
    );
  });
});

describe("selectRows", () => {
  it("picks rows in order, rebuilding dictionaries and per-file row counts", () => {
    const picked = selectRows(table, [3, 0, 3, 2]);
    expect(picked.nRows).toBe(4);
    const [a, c] = picked.columns as [NumericColumn, CategoricalColumn];
    expect([...a.values]).toEqual([0.1, 1.5, 0.1, -3]);
    expect(a.nullCount).toBe(0);
    expect(c.dictionary).toEqual(["ES", "FR"]);
    expect([...c.codes]).toEqual([0, 1, 0, -1]);
    expect(c.nullCount).toBe(1);
    expect(picked.files.map((f) => f.rows)).toEqual([1, 3]);
    // The source table is untouched.
    expect([...country.codes]).toEqual([0, 1, -1, 2]);
  });

  it("refuses rows outside the table", () => {
    expect(() => selectRows(table, [4])).toThrow(RangeError);
    expect(() => selectRows(table, Int32Array.from([-1]))).toThrow(RangeError);
  });
});

describe("columnValueAsString", () => {
  it("renders text, numbers, nulls, booleans, dates and timestamps", () => {
    expect(columnValueAsString(country, 1)).toBe("DE");
    expect(columnValueAsString(country, 2)).toBeNull();
    expect(columnValueAsString(amount, 3)).toBe("0.1");
    expect(columnValueAsString(amount, 1)).toBeNull();
    const flag: NumericColumn = { ...amount, sqlType: "BOOLEAN", values: Float64Array.of(1, 0) };
    expect([columnValueAsString(flag, 0), columnValueAsString(flag, 1)]).toEqual(["true", "false"]);
    const ms = Date.UTC(2024, 0, 15, 12, 34, 56, 789);
    const day: NumericColumn = { ...amount, sqlType: "DATE", values: Float64Array.of(ms) };
    expect(columnValueAsString(day, 0)).toBe("2024-01-15");
    const at: NumericColumn = { ...amount, sqlType: "TIMESTAMP", values: Float64Array.of(ms) };
    expect(columnValueAsString(at, 0)).toBe("2024-01-15T12:34:56.789Z");
    expect(() => columnValueAsString(amount, 4)).toThrow(RangeError);
  });
});

describe("detectFormat", () => {
  it("goes by extension, compressed or not, case-insensitively", () => {
    expect(detectFormat("a.csv")).toBe("csv");
    expect(detectFormat("a.TSV")).toBe("csv");
    expect(detectFormat("a.csv.gz")).toBe("csv");
    expect(detectFormat("a.parquet")).toBe("parquet");
    expect(detectFormat("a.pq")).toBe("parquet");
    expect(detectFormat("a.ndjson")).toBe("jsonl");
    expect(detectFormat("a.json")).toBe("jsonl");
    expect(detectFormat("a.jsonl.gz")).toBe("jsonl");
    expect(() => detectFormat("a.xlsx")).toThrow(expect.objectContaining({ code: "E_DATA" }));
    expect(() => detectFormat("parquet")).toThrow(RampartError);
  });
});
