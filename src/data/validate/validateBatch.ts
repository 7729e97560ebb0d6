import type { Finding } from "../../core/index.js";
import type { Table } from "../table/types.js";
import type { ValidationContext } from "./context.js";
import { type Correction, type DriftReport, driftReport } from "./drift.js";
import { driftFindings } from "./driftFindings.js";
import {
  checkExpectations,
  type ExpectationResult,
  expectationFindings,
} from "./expectationsCheck.js";
import type { Expectations } from "./expectationsFormat.js";
import { compareSchema, type SchemaChange, schemaFindings, schemaOf } from "./schemaCheck.js";

export interface ValidateOptions {
  /** The batch to compare against: schema and distribution shift. */
  reference?: Table;
  expectations?: Expectations;
  alpha?: number;
  correction?: Correction;
  context: ValidationContext;
}

export interface ValidationReport {
  rows: number;
  /** Present when a reference was given. */
  schemaChanges?: SchemaChange[];
  drift?: DriftReport;
  /** Present when expectations were given: every rule, passing or not. */
  expectations?: ExpectationResult[];
  findings: Finding[];
}

/** Every check that applies: schema and drift against a reference, the expectations file. */
export function validateBatch(batch: Table, options: ValidateOptions): ValidationReport {
  const report: ValidationReport = { rows: batch.nRows, findings: [] };
  if (options.reference !== undefined) {
    report.schemaChanges = compareSchema(schemaOf(batch), schemaOf(options.reference));
    report.findings.push(...schemaFindings(report.schemaChanges, options.context));
    report.drift = driftReport(options.reference, batch, {
      ...(options.alpha === undefined ? {} : { alpha: options.alpha }),
      ...(options.correction === undefined ? {} : { correction: options.correction }),
    });
    report.findings.push(...driftFindings(report.drift, options.context));
  }
  if (options.expectations !== undefined) {
    report.expectations = checkExpectations(batch, options.expectations);
    report.findings.push(...expectationFindings(report.expectations, options.context));
  }
  return report;
}
