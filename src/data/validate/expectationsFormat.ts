import { readFileSync } from "node:fs";
import { z } from "zod";
import {
  parseYamlWithSchema,
  RampartError,
  SEVERITIES,
  type YamlProblem,
} from "../../core/index.js";

/**
 * The expectations file (`rampart data validate --expect FILE`): what a batch must satisfy,
 * written by the people who own the data. Strict like rampart.yaml: a misspelt rule is an
 * error, never a silently skipped check.
 *
 *   version: 1                       # optional
 *   rows: { min: 1000, max: 5000000 }
 *   allow_extra_columns: true        # false: a column not listed is a finding
 *   columns:
 *     amount:  { type: numeric, min: 0, max: 100000, not_null: true }
 *     country: { allowed: [US, GB, FR], max_null_fraction: 0.01 }
 *     id:      { unique: true, sql_type: BIGINT }
 *     email:   { pattern: "^[^@]+@[^@]+$", severity: medium }
 *     coupon:  { required: false }
 *
 * Column rules: `type` (numeric | categorical), `sql_type` (DuckDB's type name), `required`
 * (default true), `not_null`, `max_null_fraction` (0..1), `min` / `max` (numeric columns,
 * inclusive), `allowed` (values; numbers compare numerically on numeric columns), `unique`
 * (nulls aside), `pattern` (a JavaScript regular expression every non-null value must match,
 * anchored only if you anchor it), `severity` of the findings this column raises (default high).
 */
const severity = z.enum(SEVERITIES);

const columnRules = z
  .object({
    type: z.enum(["numeric", "categorical"]).optional(),
    sql_type: z.string().min(1).optional(),
    required: z.boolean().default(true),
    not_null: z.boolean().default(false),
    max_null_fraction: z.number().min(0).max(1).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    allowed: z
      .array(z.union([z.string(), z.number(), z.boolean()]))
      .min(1)
      .optional(),
    unique: z.boolean().default(false),
    pattern: z.string().refine(isValidRegex, "not a valid regular expression").optional(),
    severity: severity.default("high"),
  })
  .strict()
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
    message: "min is greater than max",
  });

export const expectationsSchema = z
  .object({
    version: z.literal(1).default(1),
    rows: z
      .object({
        min: z.number().int().min(0).optional(),
        max: z.number().int().min(0).optional(),
        severity: severity.default("high"),
      })
      .strict()
      .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, {
        message: "min is greater than max",
      })
      .optional(),
    allow_extra_columns: z.boolean().default(true),
    columns: z
      .record(
        z.string().min(1),
        columnRules.nullable().transform((r) => r ?? columnRules.parse({})),
      )
      .default({}),
  })
  .strict();

export type Expectations = z.output<typeof expectationsSchema>;
export type ColumnRules = z.output<typeof columnRules>;

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source, "u");
    return true;
  } catch {
    return false;
  }
}

export type ExpectationProblem = YamlProblem;

export function loadExpectations(file: string): Expectations {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new RampartError("E_CONFIG", `cannot read the expectations file ${file}`, {
      hint: "check the --expect path",
      cause,
    });
  }
  return parseExpectations(text, file);
}

/** Parses and checks an expectations document; one E_CONFIG error lists every problem. */
export function parseExpectations(text: string, file = "expectations.yaml"): Expectations {
  return parseYamlWithSchema(text, expectationsSchema, {
    file,
    what: "a valid expectations file",
    hint: "see `rampart data validate --help` for the format; every rule is listed there",
  });
}
