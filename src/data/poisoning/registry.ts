/** Every poisoning detector `rampart data inspect` runs by default, in the order they run. */
import { backdoor } from "./backdoor.js";
import { duplicates } from "./duplicates.js";
import { knnDisagreement } from "./knnDisagreement.js";
import { labelNoise } from "./labelNoise.js";
import { outliers } from "./outliers.js";
import { perSource } from "./perSource.js";
import { rejectOnNegativeImpact } from "./rejectOnNegativeImpact.js";
import { targetedFlips } from "./targetedFlips.js";
import type { PoisoningDetector } from "./types.js";

export const DEFAULT_DETECTORS: readonly PoisoningDetector[] = [
  labelNoise,
  targetedFlips,
  knnDisagreement,
  perSource,
  rejectOnNegativeImpact,
  outliers,
  duplicates,
  backdoor,
];

/** Detectors that judge labels; their flags are what label-flip benchmarks score. */
export const LABEL_DETECTORS: readonly string[] = [
  labelNoise.name,
  targetedFlips.name,
  knnDisagreement.name,
];

export function detectorNames(): string[] {
  return DEFAULT_DETECTORS.map((d) => d.name);
}
