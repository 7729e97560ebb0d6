/**
 * Dataset profiles: per-column counts, nulls, distinct values, numeric moments, quantiles and
 * histograms, categorical top values. Signed into snapshot manifests; compared by validation.
 */
export { DEFAULT_EXACT_LIMIT, type ProfileOptions, profileTable } from "./profile.js";
export {
  type CategoricalColumnProfile,
  type ColumnProfile,
  HISTOGRAM_BINS,
  type NumericColumnProfile,
  PROFILE_QUANTILES,
  type TableProfile,
  TOP_VALUES,
} from "./types.js";
