/**
 * The profile of a dataset: what `rampart data snapshot` signs into its manifest and what
 * validation compares a new batch against. Plain JSON: no NaN or Infinity anywhere (null).
 */

/** The quantile levels every numeric profile reports. */
export const PROFILE_QUANTILES: readonly number[] = [0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1];
export const HISTOGRAM_BINS = 20;
export const TOP_VALUES = 20;

interface ColumnProfileBase {
  name: string;
  sqlType: string;
  /** Non-null values. */
  count: number;
  nulls: number;
  /**
   * Distinct non-null values: exact for categorical columns and for numeric columns profiled
   * exactly (see `ProfileOptions.exactLimit`); for larger numeric columns exact up to 100 000
   * distinct values, a HyperLogLog estimate (±0.8 %) beyond.
   */
  distinct: number;
}

/**
 * Moments, quantiles and histogram are over the finite values: a ±Infinity counts in `count`
 * but would make every statistic infinite. `std` is the population standard deviation
 * (ddof = 0, numpy's default). Quantiles use numpy's default linear interpolation on the sorted
 * values, up to `ProfileOptions.exactLimit` values (10 million by default); beyond, they come
 * from a KLL sketch (rank error about 1.65 %) with the 0 and 1 quantiles exact.
 * All are null when the column has no finite value.
 */
export interface NumericColumnProfile extends ColumnProfileBase {
  kind: "numeric";
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  quantiles: { q: number[]; values: (number | null)[] };
  /** 20 equal-width bins over [min, max] (numpy.histogram's edges and bin rule); empty when no values. */
  histogram: { edges: number[]; counts: number[] };
}

export interface CategoricalColumnProfile extends ColumnProfileBase {
  kind: "categorical";
  /** The most frequent values, most frequent first (ties: first seen first), at most 20. */
  top: { value: string; count: number }[];
  /** Non-null values not among `top`. */
  otherCount: number;
}

export type ColumnProfile = NumericColumnProfile | CategoricalColumnProfile;

export interface TableProfile {
  rows: number;
  columns: ColumnProfile[];
}
