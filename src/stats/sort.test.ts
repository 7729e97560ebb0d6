import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  quantileSorted,
  quantilesSorted,
  quantilesUnsorted,
  sortedCopy,
  sortFloat64InPlace,
} from "./index.js";

describe("sortFloat64InPlace", () => {
  it("orders exactly like Float64Array.prototype.sort, special values included", () => {
    const specials = [
      Number.NaN,
      -0,
      0,
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      5e-324,
      -5e-324,
    ];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double(), fc.constantFrom(...specials)), {
          minLength: 9000,
          maxLength: 9500,
        }),
        (values) => {
          const expected = Float64Array.from(values).sort();
          const actual = sortFloat64InPlace(Float64Array.from(values));
          expect(Array.from(actual).map((v) => (Object.is(v, -0) ? "-0" : v))).toEqual(
            Array.from(expected).map((v) => (Object.is(v, -0) ? "-0" : v)),
          );
        },
      ),
      { numRuns: 15 },
    );
  });

  it("sorts a large sample and leaves the input of sortedCopy alone", () => {
    const input = Float64Array.from({ length: 100_000 }, (_, i) => Math.sin(i) * 1e3);
    const before = input.slice();
    const sorted = sortedCopy(input);
    expect(input).toEqual(before);
    let ordered = true;
    for (let i = 1; i < sorted.length; i++) ordered &&= sorted[i]! >= sorted[i - 1]!;
    expect(ordered).toBe(true);
  });
});

describe("quantileSorted (numpy 'linear')", () => {
  it("interpolates and is exact at the ends", () => {
    const sorted = [1, 2, 4, 8];
    expect(quantileSorted(sorted, 0)).toBe(1);
    expect(quantileSorted(sorted, 1)).toBe(8);
    expect(quantileSorted(sorted, 0.5)).toBe(3);
    expect(quantileSorted(sorted, 0.25)).toBeCloseTo(1.75, 15);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });
});

describe("quantilesUnsorted (multi-quickselect)", () => {
  it("equals the quantiles of the sorted sample, duplicates included", () => {
    const qs = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1];
    fc.assert(
      fc.property(
        fc.array(
          // -0 and +0 tie under <, so their order (and the sign of a zero quantile) may differ.
          fc.oneof(fc.double({ noNaN: true }), fc.integer({ min: -3, max: 3 })).map((v) => v + 0),
          {
            minLength: 1,
            maxLength: 400,
          },
        ),
        (values) => {
          const sorted = Float64Array.from(values).sort();
          expect(quantilesUnsorted(Float64Array.from(values), qs)).toEqual(
            quantilesSorted(sorted, qs),
          );
        },
      ),
    );
  });
});
