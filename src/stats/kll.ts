/**
 * KLL quantile sketch (Karnin, Lang & Liberty, "Optimal Quantile Approximation in Streams",
 * FOCS 2016), in the lazy-compaction form of Liberty's reference implementation
 * (github.com/edoliberty/streaming-quantiles) and Apache DataSketches: a stack of compactors,
 * level h holding items of weight 2^h with capacity max(8, ceil(k·(2/3)^(H-1-h))); when the
 * sketch is full the lowest over-full level is sorted and every other item (random offset)
 * moves up one level. Memory is O(k) for any stream length; with the default k = 200 the
 * normalised rank error is about 1.65 % at 99 % confidence (DataSketches' table for k = 200).
 *
 * Deterministic given its seed (mulberry32 coin flips; the generator state is part of the JSON),
 * mergeable (sketches of two streams merge into a sketch of their union) and serialisable.
 * NaN updates are ignored.
 */
import { RampartError } from "../core/index.js";

export const KLL_DEFAULT_K = 200;
const KLL_DEFAULT_SEED = 0x9e3779b9;
const MIN_WIDTH = 8;
const SHRINK = 2 / 3;

export interface KllJson {
  kind: "kll";
  version: 1;
  k: number;
  count: number;
  min: number | null;
  max: number | null;
  /** mulberry32 state, so a restored sketch keeps making the same coin flips. */
  state: number;
  levels: number[][];
}

export class KllSketch {
  readonly k: number;
  /** Number of (non-NaN) values seen. */
  count = 0;
  /** Smallest value seen (NaN while empty). */
  min = Number.NaN;
  /** Largest value seen (NaN while empty). */
  max = Number.NaN;
  private levels: Float64Array[] = [];
  private sizes: number[] = [];
  private capacities: number[] = [];
  private totalCapacity = 0;
  private totalSize = 0;
  private state: number;

  constructor(k: number = KLL_DEFAULT_K, seed: number = KLL_DEFAULT_SEED) {
    if (!Number.isInteger(k) || k < MIN_WIDTH) {
      throw new RampartError("E_USAGE", `KLL: k must be an integer >= ${MIN_WIDTH}, got ${k}`);
    }
    this.k = k;
    this.state = seed >>> 0;
    this.grow();
  }

  /** One fair coin flip from the sketch's own mulberry32 stream. */
  private coin(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) & 1;
  }

  private grow(): void {
    this.levels.push(new Float64Array(MIN_WIDTH));
    this.sizes.push(0);
    const height = this.levels.length;
    this.capacities = [];
    this.totalCapacity = 0;
    for (let h = 0; h < height; h++) {
      const capacity = Math.max(MIN_WIDTH, Math.ceil(this.k * SHRINK ** (height - 1 - h)));
      this.capacities.push(capacity);
      this.totalCapacity += capacity;
    }
  }

  private push(h: number, value: number): void {
    let level = this.levels[h]!;
    const size = this.sizes[h]!;
    if (size === level.length) {
      const bigger = new Float64Array(level.length * 2);
      bigger.set(level);
      this.levels[h] = bigger;
      level = bigger;
    }
    level[size] = value;
    this.sizes[h] = size + 1;
    this.totalSize++;
  }

  /** Halve the lowest over-full level into the one above it. */
  private compactOnce(): void {
    for (let h = 0; h < this.levels.length; h++) {
      const size = this.sizes[h]!;
      if (size < this.capacities[h]!) continue;
      if (h + 1 === this.levels.length) this.grow();
      const items = this.levels[h]!.subarray(0, size).sort();
      // With an odd count the smallest item stays behind, unpaired.
      const start = size % 2;
      const offset = this.coin();
      for (let i = start + offset; i < size; i += 2) this.push(h + 1, items[i]!);
      this.totalSize -= size - start;
      this.sizes[h] = start;
      return;
    }
  }

  private compress(): void {
    while (this.totalSize >= this.totalCapacity) {
      const before = this.totalSize;
      this.compactOnce();
      if (this.totalSize >= before) break;
    }
  }

  update(x: number): void {
    if (Number.isNaN(x)) return;
    if (this.count === 0) {
      this.min = x;
      this.max = x;
    } else {
      if (x < this.min) this.min = x;
      if (x > this.max) this.max = x;
    }
    this.count++;
    this.push(0, x);
    if (this.totalSize >= this.totalCapacity) this.compress();
  }

  updateMany(xs: ArrayLike<number>): void {
    for (let i = 0; i < xs.length; i++) this.update(xs[i]!);
  }

  /** Fold `other` into this sketch: afterwards it summarises both streams. */
  merge(other: KllSketch): void {
    if (other.count === 0) return;
    while (this.levels.length < other.levels.length) this.grow();
    for (let h = 0; h < other.levels.length; h++) {
      const level = other.levels[h]!;
      for (let i = 0; i < other.sizes[h]!; i++) this.push(h, level[i]!);
    }
    if (this.count === 0) {
      this.min = other.min;
      this.max = other.max;
    } else {
      this.min = Math.min(this.min, other.min);
      this.max = Math.max(this.max, other.max);
    }
    this.count += other.count;
    this.compress();
  }

  /** The retained items and their weights, sorted by value. */
  private weighted(): { values: Float64Array; cumulative: Float64Array } {
    const values = new Float64Array(this.totalSize);
    const weights = new Float64Array(this.totalSize);
    let n = 0;
    for (let h = 0; h < this.levels.length; h++) {
      const level = this.levels[h]!;
      const w = 2 ** h;
      for (let i = 0; i < this.sizes[h]!; i++) {
        values[n] = level[i]!;
        weights[n] = w;
        n++;
      }
    }
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
    const sortedValues = new Float64Array(n);
    const cumulative = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const j = order[i]!;
      sortedValues[i] = values[j]!;
      total += weights[j]!;
      cumulative[i] = total;
    }
    return { values: sortedValues, cumulative };
  }

  /** Fraction of the stream <= x (estimated). */
  rank(x: number): number {
    if (this.count === 0) return Number.NaN;
    const { values, cumulative } = this.weighted();
    let weight = 0;
    for (let i = 0; i < values.length && values[i]! <= x; i++) weight = cumulative[i]!;
    return weight / this.count;
  }

  /** The q-quantile, 0 <= q <= 1: the smallest retained value whose rank reaches q. */
  quantile(q: number): number {
    return this.quantiles([q])[0]!;
  }

  quantiles(qs: number[]): number[] {
    for (const q of qs) {
      if (!(q >= 0 && q <= 1)) {
        throw new RampartError("E_USAGE", `KLL: quantile must be in [0, 1], got ${q}`);
      }
    }
    if (this.count === 0) return qs.map(() => Number.NaN);
    const { values, cumulative } = this.weighted();
    return qs.map((q) => {
      if (q === 0) return this.min;
      if (q === 1) return this.max;
      const target = q * this.count;
      let lo = 0;
      let hi = values.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cumulative[mid]! >= target) hi = mid;
        else lo = mid + 1;
      }
      return values[lo]!;
    });
  }

  toJSON(): KllJson {
    return {
      kind: "kll",
      version: 1,
      k: this.k,
      count: this.count,
      min: this.count === 0 ? null : this.min,
      max: this.count === 0 ? null : this.max,
      state: this.state,
      levels: this.levels.map((level, h) => Array.from(level.subarray(0, this.sizes[h]!))),
    };
  }

  static fromJSON(json: unknown): KllSketch {
    const j = json as Partial<KllJson> | null;
    const valid =
      j !== null &&
      typeof j === "object" &&
      j.kind === "kll" &&
      j.version === 1 &&
      Number.isInteger(j.k) &&
      Number.isInteger(j.count) &&
      Number.isInteger(j.state) &&
      Array.isArray(j.levels) &&
      j.levels.every((l) => Array.isArray(l) && l.every((v) => typeof v === "number"));
    if (!valid) throw new RampartError("E_DATA", "not a serialised KLL sketch (kind: kll, v1)");
    const sketch = new KllSketch(j.k!, j.state!);
    while (sketch.levels.length < j.levels!.length) sketch.grow();
    let weight = 0;
    j.levels!.forEach((level, h) => {
      for (const v of level) sketch.push(h, v);
      weight += level.length * 2 ** h;
    });
    if (weight !== j.count) {
      throw new RampartError(
        "E_DATA",
        "KLL sketch is inconsistent: weights do not add up to count",
        {
          details: { count: j.count, weight },
        },
      );
    }
    sketch.count = j.count!;
    sketch.min = j.count === 0 ? Number.NaN : (j.min ?? Number.NaN);
    sketch.max = j.count === 0 ? Number.NaN : (j.max ?? Number.NaN);
    return sketch;
  }
}
