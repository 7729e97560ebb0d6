import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isRampartError } from "../core/index.js";
import { chiSquareContingency, chiSquareGoodnessOfFit } from "./index.js";
import { expectPvalue, expectRelative } from "./testdata/close.js";

const fixtures = JSON.parse(
  readFileSync(new URL("./testdata/chiSquare.json", import.meta.url), "utf8"),
) as {
  contingency: {
    table: number[][];
    correction: boolean;
    statistic: number;
    pvalue: number;
    dof: number;
  }[];
  goodnessOfFit: {
    observed: number[];
    expected: number[] | null;
    ddof: number;
    statistic: number;
    pvalue: number;
  }[];
};

describe("chiSquareContingency matches scipy.stats.chi2_contingency", () => {
  it.each(fixtures.contingency.map((c) => [JSON.stringify(c.table), c.correction, c]))(
    "%s correction=%s",
    (_t, _c, c) => {
      const result = chiSquareContingency(c.table, { correction: c.correction });
      expect(result.dof).toBe(c.dof);
      expectRelative(result.statistic, c.statistic, 1e-10);
      expectPvalue(result.pvalue, c.pvalue);
    },
  );

  it("drops categories absent from both samples instead of failing", () => {
    const withEmpty = chiSquareContingency([
      [10, 0, 20],
      [30, 0, 40],
    ]);
    const without = chiSquareContingency([
      [10, 20],
      [30, 40],
    ]);
    expect(withEmpty).toMatchObject({ statistic: without.statistic, dof: 1, columns: [0, 2] });
  });

  it("detects a category whose share changed between two batches", () => {
    const reference = [500, 300, 200];
    const poisoned = [500, 300, 320];
    expect(chiSquareContingency([reference, reference]).pvalue).toBe(1);
    expect(chiSquareContingency([reference, poisoned]).pvalue).toBeLessThan(1e-4);
  });

  it("refuses negative or ragged tables with E_DATA", () => {
    for (const table of [
      [
        [1, -1],
        [2, 3],
      ],
      [[1, 2], [3]],
    ]) {
      try {
        chiSquareContingency(table);
        expect.unreachable();
      } catch (error) {
        expect(isRampartError(error) && error.code).toBe("E_DATA");
      }
    }
  });
});

describe("chiSquareGoodnessOfFit matches scipy.stats.chisquare", () => {
  it.each(fixtures.goodnessOfFit.map((c) => [JSON.stringify(c.observed), c]))("%s", (_o, c) => {
    const result = chiSquareGoodnessOfFit(c.observed, c.expected ?? undefined, { ddof: c.ddof });
    expectRelative(result.statistic, c.statistic, 1e-10);
    expectPvalue(result.pvalue, c.pvalue);
  });

  it("requires observed and expected totals to agree, like scipy", () => {
    expect(() => chiSquareGoodnessOfFit([1, 2, 3], [1, 1, 1])).toThrow(/same total/);
  });
});
