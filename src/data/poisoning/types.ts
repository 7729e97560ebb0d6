import type { AssetRef, Finding } from "../../core/index.js";

/**
 * The contract every poisoning detector under data/poisoning/ implements: one named unit,
 * given the encoded dataset, returns per-row suspicion, flags with reasons, findings and,
 * where it looks at contributors, per-source scores. `inspect` runs them and merges.
 */

/** A dense feature matrix, row-major: X[i * nFeatures + j]. No NaN (imputed by encoding). */
export interface FeatureMatrix {
  X: Float64Array;
  nRows: number;
  nFeatures: number;
  /** One name per encoded feature: a numeric column's name, or `column=value` for one-hot. */
  featureNames: string[];
}

export interface LabelledData extends FeatureMatrix {
  /** Class index per row, 0..classes.length-1. */
  y: Int32Array;
  /** Class names, as they appear in the label column. */
  classes: string[];
}

export interface PoisoningInput extends LabelledData {
  /** The dataset being inspected (for findings). */
  asset: AssetRef;
  /** Who contributed each row, when a source column was given. */
  sources?: { codes: Int32Array; names: string[] };
  /** Known-good data in the same encoding (same features, same classes). */
  trusted?: LabelledData;
  /** Seed for every random choice (folds, trees, bootstrap): same input + seed ⇒ same output. */
  seed: number;
}

/** One flagged row, as the report shows it. */
export interface RowFlag {
  /** 0-based index into the input rows. */
  row: number;
  /** 0..1, how suspicious this detector finds the row. */
  score: number;
  /** Why, in words a SOC analyst can act on: "label 'legit' but 97% of out-of-fold votes say 'fraud'". */
  reason: string;
}

export interface SourceScore {
  source: string;
  /** 0..1 suspicion of the contributor as a whole. */
  score: number;
  flagged: boolean;
  evidence: Record<string, unknown>;
}

export interface DetectorResult {
  /** Dotted detector id, the finding's `detector`: `data.poisoning.labelNoise`. */
  detector: string;
  /** Suspicion per row in 0..1 (length nRows), when the detector scores rows. */
  rowScores?: Float64Array;
  flagged: RowFlag[];
  findings: Finding[];
  sources?: SourceScore[];
}

/**
 * Shared, lazily computed and memoised work (out-of-fold probabilities are the expensive part
 * several detectors share). `context.ts` builds it.
 */
export interface PoisoningContext {
  input: PoisoningInput;
  /**
   * Out-of-fold class probabilities (row-major nRows × classes.length) from the default
   * surrogate, computed once per inspection.
   */
  outOfFold(): Promise<Float64Array>;
}

export interface PoisoningDetector {
  /** Short name, used in `--detectors` and in reasons: `labelNoise`. */
  name: string;
  description: string;
  /** Whether it can run on this input (e.g. perSource needs `sources`). */
  applies(input: PoisoningInput): boolean;
  run(context: PoisoningContext): Promise<DetectorResult>;
}
