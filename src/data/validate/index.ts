/**
 * Validation of a data batch: its schema against a reference, the expectations its owners
 * wrote down, and per-column distribution shift with a multiple-testing correction.
 */
export {
  type BatchTrust,
  driftThreats,
  integrityThreats,
  type ValidationContext,
} from "./context.js";
export {
  type Correction,
  type DriftOptions,
  type DriftReport,
  type DriftTest,
  driftReport,
  PSI_HIGH,
  PSI_MEDIUM,
  psiSeverity,
} from "./drift.js";
export { driftFindings, driftTestJson } from "./driftFindings.js";
export {
  checkExpectations,
  type ExpectationResult,
  type ExpectationRule,
  expectationFindings,
} from "./expectationsCheck.js";
export {
  type ColumnRules,
  type ExpectationProblem,
  type Expectations,
  expectationsSchema,
  loadExpectations,
  parseExpectations,
} from "./expectationsFormat.js";
export {
  compareSchema,
  type SchemaChange,
  type SchemaColumn,
  schemaFindings,
  schemaOf,
} from "./schemaCheck.js";
export { type ValidateOptions, type ValidationReport, validateBatch } from "./validateBatch.js";
