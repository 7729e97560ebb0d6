/** Poisoning detection: the detectors, the shared context, and the inspection that runs them. */
export { backdoor } from "./backdoor.js";
export {
  createPoisoningContext,
  DEFAULT_FOLDS,
  defaultSurrogate,
  type PoisoningContextOptions,
} from "./context.js";
export { duplicates } from "./duplicates.js";
export {
  type DetectorRun,
  type InspectOptions,
  type InspectReport,
  type InspectRow,
  type InspectSource,
  type InspectTableOptions,
  inspectPoisoning,
  inspectTable,
  selectDetectors,
} from "./inspect.js";
export { knnDisagreement } from "./knnDisagreement.js";
export { type ConfidentLearningResult, confidentLearning, labelNoise } from "./labelNoise.js";
export { outliers } from "./outliers.js";
export { perSource } from "./perSource.js";
export { DEFAULT_DETECTORS, detectorNames, LABEL_DETECTORS } from "./registry.js";
export { rejectOnNegativeImpact } from "./rejectOnNegativeImpact.js";
export { estimatePair, type PairEstimate, targetedFlips } from "./targetedFlips.js";
export type {
  DetectorResult,
  FeatureMatrix,
  LabelledData,
  PoisoningContext,
  PoisoningDetector,
  PoisoningInput,
  RowFlag,
  SourceScore,
} from "./types.js";
