/**
 * Attack builders for tests and `npm run bench:poison` (excluded from the build): clean data
 * (sklearn fixtures, a synthetic fraud set) and the poisoning attacks the detectors exist for.
 * Everything is seeded: same arguments, same data.
 */
import { mulberry32, normal, permutation } from "../../../learn/index.js";
import type { LabelledData } from "../types.js";

/** sklearn's breast_cancer (569 × 30, 2 classes) or digits (1797 × 64, 10 classes). */
export { loadFixture } from "./fixtures.js";

/** The labels after the attack, and which rows it touched. */
export interface Attacked {
  y: Int32Array;
  /** 1 where the attack changed the row. */
  poisoned: Uint8Array;
}

/** Random label flips: `fraction` of rows get a different class, chosen uniformly. */
export function flipRandomLabels(
  y: Int32Array,
  nClasses: number,
  fraction: number,
  seed: number,
): Attacked {
  const random = mulberry32(seed);
  const order = permutation(y.length, random);
  const count = Math.round(fraction * y.length);
  const noisy = Int32Array.from(y);
  const poisoned = new Uint8Array(y.length);
  for (let t = 0; t < count; t++) {
    const i = order[t]!;
    const shift = 1 + Math.floor(random() * (nClasses - 1));
    noisy[i] = (y[i]! + shift) % nClasses;
    poisoned[i] = 1;
  }
  return { y: noisy, poisoned };
}

/** A targeted flip: `fraction` of the rows of class `from` relabelled as class `to`. */
export function flipTargetedLabels(
  y: Int32Array,
  from: number,
  to: number,
  fraction: number,
  seed: number,
): Attacked {
  const random = mulberry32(seed);
  const members: number[] = [];
  for (let i = 0; i < y.length; i++) if (y[i] === from) members.push(i);
  const order = permutation(members.length, random);
  const count = Math.round(fraction * members.length);
  const noisy = Int32Array.from(y);
  const poisoned = new Uint8Array(y.length);
  for (let t = 0; t < count; t++) {
    const i = members[order[t]!]!;
    noisy[i] = to;
    poisoned[i] = 1;
  }
  return { y: noisy, poisoned };
}

export interface FraudOptions {
  rows?: number;
  fraudRate?: number;
  seed: number;
}

/**
 * Card transactions, ~2% fraud, 16 features: 12 carry signal (mean shifts of different sizes,
 * a heavier-tailed amount, night-time hours on a circle, a new-device flag, an interaction),
 * 4 are noise. Classes: 0 = "legit", 1 = "fraud". A clean model reaches AUROC ≈ 0.995, so fraud
 * is learnable but not trivially separable.
 */
export function makeFraudData(options: FraudOptions): LabelledData {
  const n = options.rows ?? 20_000;
  const rate = options.fraudRate ?? 0.02;
  const random = mulberry32(options.seed);
  const featureNames = [
    "amount_log",
    "hour_sin",
    "hour_cos",
    "new_device",
    "merchant_risk",
    "distance_home",
    "tx_last_hour",
    "card_age",
    "foreign",
    "velocity_7d",
    "chargebacks_90d",
    "amount_vs_avg",
    "noise_a",
    "noise_b",
    "noise_c",
    "noise_d",
  ];
  const f = featureNames.length;
  const X = new Float64Array(n * f);
  const y = new Int32Array(n);
  const shifts = [1.3, 0, 0, 0, 1.2, 1.0, 0.9, -0.8, 0.8, 0.7, 0.6, 0];
  for (let i = 0; i < n; i++) {
    const fraud = random() < rate ? 1 : 0;
    y[i] = fraud;
    const row = i * f;
    for (let j = 0; j < f; j++) X[row + j] = normal(random) + (fraud ? (shifts[j] ?? 0) : 0);
    X[row] = X[row]! + (fraud ? 0.4 * Math.abs(normal(random)) : 0);
    // Fraud clusters at night (hour ≈ 3), legit spreads over the day around 14h.
    const hour = fraud ? (3 + 2.5 * normal(random) + 24) % 24 : (14 + 5 * normal(random) + 48) % 24;
    X[row + 1] = Math.sin((2 * Math.PI * hour) / 24);
    X[row + 2] = Math.cos((2 * Math.PI * hour) / 24);
    X[row + 3] = random() < (fraud ? 0.45 : 0.08) ? 1 : 0;
    // Spending far above the card's average matters more on a new device.
    X[row + 11] = normal(random) + (fraud ? 0.6 + 0.8 * X[row + 3]! : 0);
  }
  return { X, nRows: n, nFeatures: f, featureNames, y, classes: ["legit", "fraud"] };
}

/** `count` contributors dealt rows at random; the returned codes index `names`. */
export function assignContributors(
  nRows: number,
  count: number,
  seed: number,
): { codes: Int32Array; names: string[] } {
  const random = mulberry32(seed);
  const codes = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) codes[i] = Math.floor(random() * count);
  const names = Array.from(
    { length: count },
    (_, c) => `contributor-${String(c + 1).padStart(2, "0")}`,
  );
  return { codes, names };
}

/** One contributor flips `fraction` of its rows to another class at random. */
export function flipContributorLabels(
  y: Int32Array,
  nClasses: number,
  sources: Int32Array,
  contributor: number,
  fraction: number,
  seed: number,
): Attacked {
  const random = mulberry32(seed);
  const noisy = Int32Array.from(y);
  const poisoned = new Uint8Array(y.length);
  for (let i = 0; i < y.length; i++) {
    if (sources[i] !== contributor || random() >= fraction) continue;
    noisy[i] = (y[i]! + 1 + Math.floor(random() * (nClasses - 1))) % nClasses;
    poisoned[i] = 1;
  }
  return { y: noisy, poisoned };
}

export interface BackdoorOptions {
  fraction: number;
  /** Feature that carries the trigger. */
  feature: number;
  /** Value written into it (choose one outside the clean range so the trigger is learnable). */
  value: number;
  target: number;
  seed: number;
}

/**
 * A tabular backdoor: `fraction` of all rows, drawn from rows not already of the target class,
 * get the trigger value and the target label (BadNets-style; e.g. fraud rows carrying the
 * trigger relabelled legit).
 */
export function plantBackdoor(
  data: LabelledData,
  options: BackdoorOptions,
): LabelledData & {
  poisoned: Uint8Array;
} {
  const random = mulberry32(options.seed);
  const order = permutation(data.nRows, random);
  const X = Float64Array.from(data.X);
  const y = Int32Array.from(data.y);
  const poisoned = new Uint8Array(data.nRows);
  const count = Math.round(options.fraction * data.nRows);
  let planted = 0;
  for (let t = 0; t < order.length && planted < count; t++) {
    const i = order[t]!;
    if (y[i] === options.target) continue;
    X[i * data.nFeatures + options.feature] = options.value;
    y[i] = options.target;
    poisoned[i] = 1;
    planted++;
  }
  return { ...data, X, y, poisoned };
}
