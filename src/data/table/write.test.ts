import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RampartError } from "../../core/errors.js";
import { readTable } from "./read.js";
import { type Scratch, scratchDir, writeWithDuckDB } from "./testing.js";
import type { Table } from "./types.js";
import { writeTable } from "./write.js";

let scratch: Scratch;
beforeAll(() => {
  scratch = scratchDir();
});
afterAll(() => scratch.remove());

/** Columns and values, ignoring where the rows came from. */
function content(table: Table) {
  return {
    nRows: table.nRows,
    columns: table.columns.map((column) =>
      column.kind === "numeric"
        ? { ...column, values: [...column.values] }
        : { ...column, codes: [...column.codes] },
    ),
  };
}

describe("writeTable", () => {
  it("round-trips CSV → Table → Parquet → Table with types, nulls and text kept", async () => {
    const csv = scratch.path("source.csv");
    const lines = ["id,amount,country,when,flag,zip"];
    for (let i = 0; i < 5000; i++) {
      const amount = i % 17 === 0 ? "" : String(Math.sin(i) * 1000);
      const country = i % 23 === 0 ? "" : ["FR", "DE", "ES, north", 'say "hi"'][i % 4];
      const day = `2024-0${1 + (i % 9)}-1${i % 10}`;
      const flag = i % 5 === 0 ? "" : i % 2 === 0 ? "true" : "false";
      lines.push(`${i},${amount},"${country!.replaceAll('"', '""')}",${day},${flag},Z${i % 7}`);
    }
    writeFileSync(csv, `${lines.join("\n")}\n`);
    const original = await readTable([csv]);
    expect(original.columns.map((c) => [c.name, c.kind, c.sqlType])).toEqual([
      ["id", "numeric", "BIGINT"],
      ["amount", "numeric", "DOUBLE"],
      ["country", "categorical", "VARCHAR"],
      ["when", "numeric", "DATE"],
      ["flag", "numeric", "BOOLEAN"],
      ["zip", "categorical", "VARCHAR"],
    ]);

    const parquet = scratch.path("copy.parquet");
    await writeTable(original, parquet);
    const fromParquet = await readTable([parquet]);
    expect(content(fromParquet)).toEqual(content(original));

    const back = scratch.path("copy.csv");
    await writeTable(fromParquet, back);
    expect(content(await readTable([back]))).toEqual(content(original));

    const jsonl = scratch.path("copy.jsonl");
    await writeTable(original, jsonl);
    const fromJson = await readTable([jsonl]);
    expect(fromJson.nRows).toBe(original.nRows);
    const amount = fromJson.columns[1]!;
    expect(amount.kind === "numeric" && [...amount.values]).toEqual(
      original.columns[1]!.kind === "numeric" && [...original.columns[1]!.values],
    );
  });

  it("keeps text that looks like numbers as text in Parquet", async () => {
    const table: Table = {
      nRows: 3,
      files: [],
      columns: [
        {
          name: "code",
          kind: "categorical",
          sqlType: "VARCHAR",
          codes: Int32Array.from([0, 1, -1]),
          dictionary: ["007", "1e3"],
          nullCount: 1,
        },
        {
          name: "weird \"name\", with 'quotes'",
          kind: "numeric",
          sqlType: "BIGINT); DROP TABLE staged; --",
          values: Float64Array.from([1, Number.NaN, 3]),
          nullCount: 1,
        },
      ],
    };
    const path = scratch.path("text.parquet");
    await writeTable(table, path);
    const read = await readTable([path]);
    expect(read.columns[0]).toMatchObject({ kind: "categorical", dictionary: ["007", "1e3"] });
    expect([...(read.columns[0] as { codes: Int32Array }).codes]).toEqual([0, 1, -1]);
    // An unrecognised sqlType is never spliced into SQL: the column is written as DOUBLE.
    expect(read.columns[1]).toMatchObject({ name: table.columns[1]!.name, sqlType: "DOUBLE" });
  });

  it("writes by explicit format, gzip by extension, and leaves no temporary file", async () => {
    const source = scratch.path("small.parquet");
    await writeWithDuckDB("SELECT range AS n, 'x' || range AS s FROM range(10)", source, "parquet");
    const table = await readTable([source]);

    const explicit = scratch.path("as-csv.out");
    await writeTable(table, explicit, "csv");
    expect(readFileSync(explicit, "utf8").split("\n")[0]).toBe("n,s");

    const gz = scratch.path("small.csv.gz");
    await writeTable(table, gz);
    expect(readFileSync(gz).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect((await readTable([gz])).nRows).toBe(10);

    expect(readdirSync(scratch.dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("fails with E_IO into a missing folder and E_DATA for an unknown extension", async () => {
    const table: Table = { nRows: 0, files: [], columns: [] };
    const missing = await writeTable(table, scratch.path("no/such/dir/x.csv")).catch((e) => e);
    expect(missing).toBeInstanceOf(RampartError);
    expect(missing).toMatchObject({ code: "E_IO" });
    const unknown = await writeTable(table, scratch.path("x.xlsx")).catch((e) => e);
    expect(unknown).toMatchObject({ code: "E_DATA" });
  });
});
