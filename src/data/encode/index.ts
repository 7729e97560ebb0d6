/** Tables to numeric feature matrices for the learners and poisoning detectors. */
export {
  applyEncoding,
  type EncodedTable,
  type EncodeOptions,
  type Encoding,
  encodeFeatures,
  type FeatureEncoding,
  MAX_ONE_HOT,
  MIN_ROWS,
} from "./encode.js";
