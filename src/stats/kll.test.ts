import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isRampartError } from "../core/index.js";
import { KllSketch } from "./index.js";
import { mulberry32 } from "./testdata/generate.js";

/** 0 … n-1 in a seeded random order: the true rank of value v is v / n. */
function shuffled(n: number, seed: number): Float64Array {
  const values = Float64Array.from({ length: n }, (_, i) => i);
  const random = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = values[i]!;
    values[i] = values[j]!;
    values[j] = t;
  }
  return values;
}

const QS = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);
/** DataSketches' normalised rank error for k = 200 at 99 % confidence. */
const KLL_200_BOUND = 0.0165;

function maxRankError(sketch: KllSketch, n: number): number {
  const estimates = sketch.quantiles(QS);
  return Math.max(...estimates.map((v, i) => Math.abs((v + 1) / n - QS[i]!)));
}

describe("KllSketch", () => {
  const n = 1_000_000;
  const stream = shuffled(n, 42);

  it("keeps the rank error of 10^6 values within the KLL bound, in O(k) memory", () => {
    const sketch = new KllSketch();
    sketch.updateMany(stream);
    expect(sketch.count).toBe(n);
    expect(sketch.min).toBe(0);
    expect(sketch.max).toBe(n - 1);
    expect(maxRankError(sketch, n)).toBeLessThanOrEqual(KLL_200_BOUND);
    const retained = sketch.toJSON().levels.reduce((sum, level) => sum + level.length, 0);
    expect(retained).toBeLessThan(3 * 200 + 8 * 20);
  });

  it("merges two sketches into one of the union", () => {
    const left = new KllSketch(200, 1);
    const right = new KllSketch(200, 2);
    left.updateMany(stream.subarray(0, n / 2));
    right.updateMany(stream.subarray(n / 2));
    left.merge(right);
    expect(left.count).toBe(n);
    expect(left.min).toBe(0);
    expect(left.max).toBe(n - 1);
    expect(maxRankError(left, n)).toBeLessThanOrEqual(KLL_200_BOUND);
  });

  it("is deterministic given its seed and survives a JSON round trip", () => {
    const a = new KllSketch(64, 7);
    const b = new KllSketch(64, 7);
    const data = shuffled(50_000, 3);
    a.updateMany(data.subarray(0, 30_000));
    b.updateMany(data.subarray(0, 30_000));
    const restored = KllSketch.fromJSON(JSON.parse(JSON.stringify(a)));
    expect(restored.toJSON()).toEqual(a.toJSON());
    // The restored sketch keeps making the same coin flips as the original.
    restored.updateMany(data.subarray(30_000));
    b.updateMany(data.subarray(30_000));
    expect(restored.toJSON()).toEqual(b.toJSON());
    expect(restored.quantile(0.5)).toBe(b.quantile(0.5));
  });

  it("answers exactly while it still holds every value, and ignores NaN", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), {
          minLength: 1,
          maxLength: 150,
        }),
        (xs) => {
          const sketch = new KllSketch();
          sketch.updateMany(xs);
          sketch.update(Number.NaN);
          const sorted = Float64Array.from(xs).sort();
          expect(sketch.count).toBe(xs.length);
          expect(sketch.quantile(0)).toBe(sorted[0]);
          expect(sketch.quantile(1)).toBe(sorted[sorted.length - 1]);
          expect(sketch.quantile(0.5)).toBe(sorted[Math.ceil(0.5 * xs.length) - 1]);
        },
      ),
    );
  });

  it("reports NaN when empty and refuses bad input", () => {
    expect(new KllSketch().quantile(0.5)).toBeNaN();
    expect(() => new KllSketch().quantile(2)).toThrow(/\[0, 1\]/);
    for (const bad of [null, { kind: "kll" }, { ...new KllSketch().toJSON(), count: 5 }]) {
      try {
        KllSketch.fromJSON(bad);
        expect.unreachable();
      } catch (error) {
        expect(isRampartError(error) && error.code).toBe("E_DATA");
      }
    }
  });
});
