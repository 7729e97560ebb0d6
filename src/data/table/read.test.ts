import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RampartError } from "../../core/errors.js";
import { readTable } from "./read.js";
import { type Scratch, scratchDir, writeWithDuckDB } from "./testing.js";
import type { CategoricalColumn, Column, NumericColumn, Table } from "./types.js";

let scratch: Scratch;
beforeAll(() => {
  scratch = scratchDir();
});
afterAll(() => scratch.remove());

function write(name: string, text: string): string {
  const path = scratch.path(name);
  writeFileSync(path, text);
  return path;
}

function column(table: Table, name: string): Column {
  const found = table.columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${name}`);
  return found;
}

function numeric(table: Table, name: string): NumericColumn {
  const found = column(table, name);
  if (found.kind !== "numeric") throw new Error(`${name} is ${found.kind}`);
  return found;
}

function categorical(table: Table, name: string): CategoricalColumn {
  const found = column(table, name);
  if (found.kind !== "categorical") throw new Error(`${name} is ${found.kind}`);
  return found;
}

function decoded(col: CategoricalColumn): (string | null)[] {
  return [...col.codes].map((code) => (code < 0 ? null : col.dictionary[code]!));
}

async function dataError(paths: string[], format?: "csv" | "parquet" | "jsonl") {
  const error = await readTable(paths, format ? { format } : {}).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RampartError);
  return error as RampartError;
}

describe("readTable: CSV", () => {
  it("reads numbers, text and missing values, coding text in order of first appearance", async () => {
    const path = write(
      "basic.csv",
      "amount,country,label,flag\n10.5,FR,1,true\n,DE,0,false\n3,FR,,true\n-2.25,,1,\n",
    );
    const table = await readTable([path]);
    expect(table.nRows).toBe(4);
    expect(table.columns.map((c) => c.name)).toEqual(["amount", "country", "label", "flag"]);

    const amount = numeric(table, "amount");
    expect(amount.sqlType).toBe("DOUBLE");
    expect([...amount.values]).toEqual([10.5, Number.NaN, 3, -2.25]);
    expect(amount.nullCount).toBe(1);

    const country = categorical(table, "country");
    expect(country.dictionary).toEqual(["FR", "DE"]);
    expect([...country.codes]).toEqual([0, 1, 0, -1]);
    expect(country.nullCount).toBe(1);

    expect(numeric(table, "label").sqlType).toBe("BIGINT");
    expect([...numeric(table, "label").values]).toEqual([1, 0, Number.NaN, 1]);
    const flag = numeric(table, "flag");
    expect(flag.sqlType).toBe("BOOLEAN");
    expect([...flag.values]).toEqual([1, 0, 1, Number.NaN]);

    expect(table.files).toEqual([{ path, format: "csv", size: expect.any(Number), rows: 4 }]);
    expect(table.files[0]!.size).toBeGreaterThan(0);
  });

  it("keeps a numeric-looking column with a stray string as text", async () => {
    const path = write("stray.csv", "x,y\n1,a\n2,b\noops,c\n4,d\n");
    const table = await readTable([path]);
    const x = categorical(table, "x");
    expect(x.sqlType).toBe("VARCHAR");
    expect(decoded(x)).toEqual(["1", "2", "oops", "4"]);
  });

  it("infers types over the whole file when a late row breaks the sampled type", async () => {
    const lines = ["id,value"];
    for (let i = 0; i < 30_000; i++) lines.push(`${i},${i}`);
    lines.push("30000,not-a-number");
    const table = await readTable([write("late.csv", `${lines.join("\n")}\n`)]);
    expect(table.nRows).toBe(30_001);
    expect(numeric(table, "id").values[30_000]).toBe(30_000);
    const value = categorical(table, "value");
    expect(value.dictionary[value.codes[30_000]!]).toBe("not-a-number");
    expect(value.dictionary[value.codes[7]!]).toBe("7");
  });

  it("reads quoted fields, semicolons, tabs and a BOM", async () => {
    const quoted = await readTable([
      write("quoted.csv", 'name,note\nx,"hello, world"\ny,"two\nlines"\n'),
    ]);
    expect(decoded(categorical(quoted, "note"))).toEqual(["hello, world", "two\nlines"]);

    const semicolons = await readTable([write("semi.csv", "a;b\n1;x\n2;y\n")]);
    expect(semicolons.columns.map((c) => c.name)).toEqual(["a", "b"]);

    const tabs = await readTable([write("tabs.tsv", "a\tb\n1\tx,y\n")]);
    expect(decoded(categorical(tabs, "b"))).toEqual(["x,y"]);

    const bom = await readTable([write("bom.csv", "\uFEFFa,b\n1,2\n")]);
    expect(bom.columns.map((c) => c.name)).toEqual(["a", "b"]);
  });

  it("reads a path holding a quote and brackets (no SQL or glob surprises)", async () => {
    const path = write("it's [1].csv", "a\n1\n2\n");
    const table = await readTable([path]);
    expect([...numeric(table, "a").values]).toEqual([1, 2]);
  });

  it("refuses ragged rows instead of guessing another dialect", async () => {
    for (const [name, text] of [
      ["ragged-short.csv", "a,b\n1,2\n3,4\n5\n6,7\n"],
      ["ragged-long.csv", "a,b\n1,2\n3,4\n5,6,7\n8,9\n"],
      ["ragged-top.csv", "a,b\n1,2\n3\n4,5,6\n"],
    ] as const) {
      const error = await dataError([write(name, text)]);
      expect(error.code).toBe("E_DATA");
      expect(error.message).toContain(name);
      expect(error.message.split("\n")).toHaveLength(1);
      expect(error.hint).toMatch(/as many fields as the header/);
    }
  });
});

describe("readTable: Parquet and JSON", () => {
  it("maps booleans, decimals, dates, timestamps and nested values", async () => {
    const path = scratch.path("typed.parquet");
    await writeWithDuckDB(
      `SELECT * FROM (VALUES
         (1::INTEGER, true, 1.25::DECIMAL(6,2), DATE '2024-01-15', TIMESTAMP '2024-01-15 12:34:56.789', [1, 2], {'k': 'v'}, 'a'),
         (NULL, false, NULL, NULL, NULL, NULL, NULL, NULL),
         (3::INTEGER, NULL, -0.5::DECIMAL(6,2), DATE '1969-12-31', TIMESTAMP '1970-01-01 00:00:00', [], {'k': 'w'}, 'b')
       ) AS t(i, b, d, day, ts, list, struct, s)`,
      path,
      "parquet",
    );
    const table = await readTable([path]);
    expect(table.files[0]!.format).toBe("parquet");
    expect(numeric(table, "i").sqlType).toBe("INTEGER");
    expect([...numeric(table, "i").values]).toEqual([1, Number.NaN, 3]);
    expect([...numeric(table, "b").values]).toEqual([1, 0, Number.NaN]);
    expect(numeric(table, "d").sqlType).toBe("DECIMAL(6,2)");
    expect([...numeric(table, "d").values]).toEqual([1.25, Number.NaN, -0.5]);
    expect(numeric(table, "day").sqlType).toBe("DATE");
    expect([...numeric(table, "day").values]).toEqual([
      Date.UTC(2024, 0, 15),
      Number.NaN,
      Date.UTC(1969, 11, 31),
    ]);
    expect([...numeric(table, "ts").values]).toEqual([
      Date.UTC(2024, 0, 15, 12, 34, 56, 789),
      Number.NaN,
      0,
    ]);
    expect(decoded(categorical(table, "list"))).toEqual(["[1,2]", null, "[]"]);
    expect(categorical(table, "list").sqlType).toBe("INTEGER[]");
    expect(decoded(categorical(table, "struct"))).toEqual(['{"k":"v"}', null, '{"k":"w"}']);
    expect(decoded(categorical(table, "s"))).toEqual(["a", null, "b"]);
  });

  it("reads newline-delimited JSON, and a JSON array with --format", async () => {
    const jsonl = write(
      "events.jsonl",
      '{"user":"u1","score":0.5,"tags":["a"]}\n{"user":"u2","score":null}\n{"user":"u1","score":2}\n',
    );
    const table = await readTable([jsonl]);
    expect(table.files[0]!.format).toBe("jsonl");
    expect(decoded(categorical(table, "user"))).toEqual(["u1", "u2", "u1"]);
    expect([...numeric(table, "score").values]).toEqual([0.5, Number.NaN, 2]);
    expect(decoded(categorical(table, "tags"))).toEqual(['["a"]', null, null]);

    const array = write("events.data", '[{"a":1,"b":"x"},{"a":2,"b":"y"}]');
    const fromArray = await readTable([array], { format: "jsonl" });
    expect([...numeric(fromArray, "a").values]).toEqual([1, 2]);
  });
});

describe("readTable: row order", () => {
  it("keeps file order across row groups and parallel scans (row i is input row i)", async () => {
    const n = 250_000;
    const query = `SELECT range AS id, 'v' || (range % 7) AS label FROM range(${n})`;
    const parquet = scratch.path("ordered.parquet");
    await writeWithDuckDB(query, parquet, "parquet");
    const csv = scratch.path("ordered.csv");
    await writeWithDuckDB(query, csv, "csv");
    for (const path of [parquet, csv]) {
      const table = await readTable([path]);
      expect(table.nRows).toBe(n);
      const id = numeric(table, "id").values;
      const label = categorical(table, "label");
      expect(label.dictionary).toEqual(["v0", "v1", "v2", "v3", "v4", "v5", "v6"]);
      let misplaced = 0;
      for (let i = 0; i < n; i++) {
        if (id[i] !== i || label.codes[i] !== i % 7) misplaced++;
      }
      expect(misplaced).toBe(0);
    }
  });
});

describe("readTable: several files", () => {
  it("concatenates files in order, matching columns by name", async () => {
    const first = write("part-1.csv", "id,city\n1,Paris\n2,Lyon\n");
    const second = write("part-2.csv", "city,id\nNice,3\nParis,4\n");
    const table = await readTable([first, second]);
    expect(table.nRows).toBe(4);
    expect(table.columns.map((c) => c.name)).toEqual(["id", "city"]);
    expect([...numeric(table, "id").values]).toEqual([1, 2, 3, 4]);
    expect(decoded(categorical(table, "city"))).toEqual(["Paris", "Lyon", "Nice", "Paris"]);
    expect(categorical(table, "city").dictionary).toEqual(["Paris", "Lyon", "Nice"]);
    expect(table.files.map((f) => f.rows)).toEqual([2, 2]);
  });

  it("mixes formats, and turns a column that is text in any file into text", async () => {
    const csv = write("mix.csv", "id,code\n1,7\n2,8\n");
    const parquet = scratch.path("mix.parquet");
    await writeWithDuckDB("SELECT 3 AS id, 'X9' AS code", parquet, "parquet");
    const table = await readTable([csv, parquet]);
    expect(numeric(table, "id").sqlType).toBe("DOUBLE");
    expect([...numeric(table, "id").values]).toEqual([1, 2, 3]);
    expect(categorical(table, "code").sqlType).toBe("VARCHAR");
    expect(decoded(categorical(table, "code"))).toEqual(["7", "8", "X9"]);
  });

  it("reads a folder as its data files sorted by name, skipping others", async () => {
    const dir = scratch.path("drops");
    mkdirSync(dir);
    writeFileSync(`${dir}/2024-01-02.csv`, "v\n2\n");
    writeFileSync(`${dir}/2024-01-01.csv`, "v\n1\n");
    writeFileSync(`${dir}/README.md`, "not data");
    writeFileSync(`${dir}/.hidden.csv`, "v\n99\n");
    const table = await readTable([dir]);
    expect([...numeric(table, "v").values]).toEqual([1, 2]);
    expect(table.files.map((f) => f.path)).toEqual([
      `${dir}/2024-01-01.csv`,
      `${dir}/2024-01-02.csv`,
    ]);
  });

  it("refuses files whose columns differ, naming the file and the columns", async () => {
    const first = write("cols-1.csv", "a,b,c\n1,2,3\n");
    const second = write("cols-2.csv", "a,b,d\n1,2,3\n");
    const error = await dataError([first, second]);
    expect(error.code).toBe("E_DATA");
    expect(error.message).toContain(second);
    expect(error.message).toContain("lacks c");
    expect(error.message).toContain("has d in addition");
    expect(error.details).toMatchObject({ missing: ["c"], extra: ["d"] });
  });
});

describe("readTable: errors", () => {
  it("names a missing file", async () => {
    const error = await dataError([scratch.path("nope.csv")]);
    expect(error.code).toBe("E_DATA");
    expect(error.message).toMatch(/not found: .*nope\.csv/);
  });

  it("refuses an empty file and a header without rows", async () => {
    expect((await dataError([write("empty.csv", "")])).message).toMatch(/empty\.csv is empty/);
    const headerOnly = await dataError([write("header.csv", "a,b\n")]);
    expect(headerOnly.message).toMatch(/header\.csv has no rows/);
    const emptyJson = await dataError([write("blank.jsonl", "\n")]);
    expect(emptyJson.code).toBe("E_DATA");
  });

  it("refuses an unknown extension, pointing at --format", async () => {
    const error = await dataError([write("data.xlsx", "whatever")]);
    expect(error.message).toMatch(/cannot tell the data format/);
    expect(error.hint).toMatch(/--format/);
  });

  it("reports a file that is not what its extension says, on one line", async () => {
    const fake = write("fake.parquet", "a,b\n1,2\n");
    const error = await dataError([fake]);
    expect(error.message).toMatch(/^cannot read .*fake\.parquet as Parquet: /);
    expect(error.message.split("\n")).toHaveLength(1);

    const badJson = await dataError([write("bad.jsonl", '{"a": 1}\n{"a": \n')]);
    expect(badJson.message).toMatch(/as JSON: /);

    const latin1 = scratch.path("latin1.csv");
    writeFileSync(latin1, Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0x31, 0x2c, 0xe9, 0xff, 0x0a]));
    const binary = await dataError([latin1]);
    expect(binary.code).toBe("E_DATA");
    expect(binary.message).toMatch(/latin1\.csv as CSV: .*unicode/i);
  });

  it("refuses a folder without data files and an empty path list", async () => {
    const dir = scratch.path("nothing");
    mkdirSync(dir);
    expect((await dataError([dir])).message).toMatch(/holds no data files/);
    const error = await readTable([]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_USAGE" });
  });
});
