import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readTable } from "../table/index.js";
import { scratchDir } from "../table/testing.js";
import type { CategoricalColumn, NumericColumn, Table } from "../table/types.js";
import { profileCategorical } from "./categorical.js";
import { HyperLogLog } from "./hll.js";
import { profileNumeric } from "./numeric.js";
import { profileTable } from "./profile.js";
import { PROFILE_QUANTILES } from "./types.js";

interface FixtureCase {
  values: (number | null)[];
  count: number;
  nulls: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  quantiles: number[];
  histogram: { edges: number[]; counts: number[] };
  distinct: number;
}

const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, "testdata", "numeric_profiles.json"), "utf8"),
) as { q: number[]; cases: Record<string, FixtureCase> };

function numericColumn(values: ArrayLike<number | null>, name = "x"): NumericColumn {
  const array = Float64Array.from(Array.from(values, (v) => (v === null ? Number.NaN : v)));
  let nullCount = 0;
  for (const v of array) if (Number.isNaN(v)) nullCount++;
  return { name, kind: "numeric", sqlType: "DOUBLE", values: array, nullCount };
}

function expectClose(actual: number | null, expected: number) {
  expect(actual).not.toBeNull();
  const tolerance = 1e-12 * Math.max(1, Math.abs(expected));
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(tolerance);
}

describe("numeric profile against numpy", () => {
  it("uses the fixture's quantile levels", () => {
    expect([...PROFILE_QUANTILES]).toEqual(fixture.q);
  });

  for (const [name, expected] of Object.entries(fixture.cases)) {
    it(`matches numpy exactly on ${name}`, () => {
      const profile = profileNumeric(numericColumn(expected.values), Number.POSITIVE_INFINITY);
      expect(profile.count).toBe(expected.count);
      expect(profile.nulls).toBe(expected.nulls);
      expect(profile.distinct).toBe(expected.distinct);
      expect(profile.min).toBe(expected.min);
      expect(profile.max).toBe(expected.max);
      expectClose(profile.mean, expected.mean);
      expectClose(profile.std, expected.std);
      expect(profile.quantiles.q).toEqual(fixture.q);
      for (const [i, value] of profile.quantiles.values.entries()) {
        expectClose(value, expected.quantiles[i]!);
      }
      expect(profile.histogram.counts).toEqual(expected.histogram.counts);
      for (const [i, edge] of profile.histogram.edges.entries()) {
        expectClose(edge, expected.histogram.edges[i]!);
      }
    });
  }

  it("sketches large columns: KLL quantiles within rank error, exact extremes and histogram", () => {
    const expected = fixture.cases.normal_with_nulls!;
    const column = numericColumn(expected.values);
    const sketched = profileNumeric(column, 100);
    const exact = profileNumeric(column, Number.POSITIVE_INFINITY);
    expect(sketched.min).toBe(expected.min);
    expect(sketched.max).toBe(expected.max);
    expect(sketched.quantiles.values[0]).toBe(expected.min);
    expect(sketched.quantiles.values[8]).toBe(expected.max);
    expect(sketched.histogram).toEqual(exact.histogram);
    expect(sketched.distinct).toBe(expected.distinct);
    const sorted = expected.values.filter((v): v is number => v !== null).sort((a, b) => a - b);
    sketched.quantiles.values.forEach((value, i) => {
      const rank = sorted.filter((v) => v <= value!).length / sorted.length;
      expect(Math.abs(rank - fixture.q[i]!)).toBeLessThan(0.03);
    });
  });
});

describe("numeric profile edge cases", () => {
  it("keeps ±Infinity out of the statistics and everything JSON-safe", () => {
    const profile = profileNumeric(
      numericColumn([1, Number.POSITIVE_INFINITY, null, Number.NEGATIVE_INFINITY, 3, 3]),
      Number.POSITIVE_INFINITY,
    );
    expect(profile).toMatchObject({ count: 5, nulls: 1, distinct: 4, min: 1, max: 3 });
    expect(profile.mean).toBeCloseTo(7 / 3, 12);
    expect(profile.quantiles.values[4]).toBe(3);
    expect(profile.histogram.counts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(JSON.parse(JSON.stringify(profile))).toEqual(profile);
  });

  it("gives nulls, not NaN, for a column with no values", () => {
    const profile = profileNumeric(numericColumn([null, null]), Number.POSITIVE_INFINITY);
    expect(profile).toMatchObject({ count: 0, nulls: 2, distinct: 0, min: null, mean: null });
    expect(profile.quantiles.values).toEqual(PROFILE_QUANTILES.map(() => null));
    expect(profile.histogram).toEqual({ edges: [], counts: [] });
    const sketched = profileNumeric(numericColumn([null, null]), 0);
    expect(sketched.quantiles.values).toEqual(PROFILE_QUANTILES.map(() => null));
    expect(JSON.stringify(profile)).not.toMatch(/NaN|Infinity/);
  });
});

describe("distinct counting", () => {
  it("estimates many distinct values with HyperLogLog within 2 %", () => {
    const n = 300_000;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = i * 0.37 - 5000;
    const profile = profileNumeric(numericColumn(values), 10);
    expect(profile.distinct).toBeGreaterThan(100_000);
    expect(Math.abs(profile.distinct - n) / n).toBeLessThan(0.02);
  });

  it("HyperLogLog counts small sets by linear counting and ignores repeats and -0", () => {
    const sketch = new HyperLogLog();
    for (let round = 0; round < 3; round++) for (let i = 0; i < 1000; i++) sketch.add(i);
    sketch.add(-0);
    expect(Math.abs(sketch.estimate() - 1000)).toBeLessThan(20);
  });
});

describe("categorical profile", () => {
  it("counts values exactly, ranks the top 20 by count then first appearance", () => {
    // 25 values: v0 appears 25 times … v24 once, then a tie between late and early values.
    const dictionary = Array.from({ length: 27 }, (_, i) => `v${i}`);
    const codes: number[] = [];
    for (let v = 0; v < 25; v++) for (let k = 0; k < 25 - v; k++) codes.push(v);
    codes.push(-1, -1, 26, 26, 26); // v26 ties with v22 (3 each); v25 never appears
    const column: CategoricalColumn = {
      name: "c",
      kind: "categorical",
      sqlType: "VARCHAR",
      codes: Int32Array.from(codes),
      dictionary,
      nullCount: 2,
    };
    const profile = profileCategorical(column);
    expect(profile.count).toBe(codes.length - 2);
    expect(profile.nulls).toBe(2);
    expect(profile.distinct).toBe(26);
    expect(profile.top).toHaveLength(20);
    expect(profile.top[0]).toEqual({ value: "v0", count: 25 });
    expect(profile.top.slice(18).map((t) => t.value)).toEqual(["v18", "v19"]);
    const all = profileCategorical({ ...column, codes: Int32Array.from(codes.slice(-5)) });
    expect(all.top).toEqual([{ value: "v26", count: 3 }]);
    expect(profile.otherCount).toBe(profile.count - profile.top.reduce((s, t) => s + t.count, 0));
    expect(profile.otherCount).toBe(5 + 4 + 3 + 2 + 1 + 3);
  });
});

describe("profileTable", () => {
  it("profiles every column of a table read from CSV, as plain JSON", async () => {
    const scratch = scratchDir();
    try {
      const path = join(scratch.dir, "data.csv");
      writeFileSync(path, "amount,country\n1,FR\n2,DE\n,FR\n4,\n");
      const table: Table = await readTable([path]);
      const profile = profileTable(table);
      expect(profile.rows).toBe(4);
      expect(profile.columns.map((c) => [c.name, c.kind, c.sqlType])).toEqual([
        ["amount", "numeric", "BIGINT"],
        ["country", "categorical", "VARCHAR"],
      ]);
      expect(profile.columns[0]).toMatchObject({ count: 3, nulls: 1, distinct: 3, min: 1, max: 4 });
      expect(profile.columns[1]).toMatchObject({
        count: 3,
        nulls: 1,
        distinct: 2,
        top: [
          { value: "FR", count: 2 },
          { value: "DE", count: 1 },
        ],
        otherCount: 0,
      });
      expect(JSON.parse(JSON.stringify(profile))).toEqual(profile);
    } finally {
      scratch.remove();
    }
  });
});
