import { readFileSync } from "node:fs";
import { isMap, isNode, isPair, isScalar, LineCounter, type Node, parseDocument } from "yaml";
import { z } from "zod";
import { RampartError, SEVERITIES } from "../../core/index.js";

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

export interface ExpectationProblem {
  /** Dotted key path, e.g. `columns.amount.min`; `(root)` for the document. */
  path: string;
  line?: number;
  message: string;
}

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
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number | undefined): number | undefined =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    throw expectationsError(
      file,
      doc.errors.map((e) => ({
        path: "(yaml)",
        line: lineAt(e.pos[0]),
        message: e.message.split("\n")[0] ?? e.message,
      })),
    );
  }
  const result = expectationsSchema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue): ExpectationProblem[] => {
    const path = issue.path.map((p) => (typeof p === "symbol" ? p.toString() : p));
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: formatPath([...path, key]),
        line: lineAt(keyNode(doc, path, key)?.range?.[0]),
        message: `unknown key "${key}"`,
      }));
    }
    const node = doc.getIn(path, true);
    const at = isNode(node) ? node : keyNode(doc, path.slice(0, -1), path.at(-1));
    const fallback = doc.getIn(path.slice(0, -1), true);
    const where = at ?? (isNode(fallback) ? fallback : undefined);
    return [
      {
        path: formatPath(path),
        line: lineAt(where?.range?.[0] ?? (doc.contents as Node | null)?.range?.[0]),
        message: issue.message.replace(/^Invalid input: /, ""),
      },
    ];
  });
  throw expectationsError(file, problems);
}

type Doc = ReturnType<typeof parseDocument>;

function keyNode(doc: Doc, path: (string | number)[], key: unknown): Node | undefined {
  const container = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (!isMap(container)) return undefined;
  for (const item of container.items) {
    if (isPair(item) && isScalar(item.key) && item.key.value === key) return item.key;
  }
  return undefined;
}

function formatPath(path: (string | number)[]): string {
  if (path.length === 0) return "(root)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function expectationsError(file: string, problems: ExpectationProblem[]): RampartError {
  const lines = problems.map(
    (p) => `  ${file}${p.line === undefined ? "" : `:${p.line}`}  ${p.path}: ${p.message}`,
  );
  return new RampartError(
    "E_CONFIG",
    `${file} is not a valid expectations file:\n${lines.join("\n")}`,
    {
      hint: "see `rampart data validate --help` for the format; every rule is listed there",
      details: { file, problems },
    },
  );
}
