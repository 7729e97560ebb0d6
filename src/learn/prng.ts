/**
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit seeded PRNG, small and fast, good enough
 * for folds, bootstrap samples and synthetic data. Not for anything secret.
 */
export type Random = () => number;

/** A generator of uniform numbers in [0, 1), fully determined by `seed`. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller; one of the pair is dropped for simplicity). */
export function normal(random: Random): number {
  let u = random();
  while (u <= Number.MIN_VALUE) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Fisher–Yates, in place. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(
  values: T,
  random: Random,
): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = values[i]!;
    values[i] = values[j]!;
    values[j] = tmp;
  }
  return values;
}

/**
 * Up to `max` of `rows` without replacement (partial Fisher–Yates over a copy, in draw order);
 * `rows` itself when it holds no more than `max`.
 */
export function sampleWithoutReplacement(
  rows: readonly number[],
  max: number,
  random: Random,
): number[] {
  if (rows.length <= max) return rows as number[];
  const copy = [...rows];
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(random() * (copy.length - i));
    const tmp = copy[i]!;
    copy[i] = copy[j]!;
    copy[j] = tmp;
  }
  return copy.slice(0, max);
}

/** 0..n-1 in a random order. */
export function permutation(n: number, random: Random): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return shuffleInPlace(order, random);
}
