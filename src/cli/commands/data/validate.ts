import { resolve } from "node:path";
import type { Command } from "commander";
import {
  atLeast,
  ExitCode,
  type Finding,
  formatAsset,
  RampartError,
  type Severity,
} from "../../../core/index.js";
import {
  loadOrCreatePiiKey,
  PII_KEY_DEFAULT_PATH,
  type PiiScanReport,
  piiFindings,
  redactTable,
  scanTable,
} from "../../../data/pii/index.js";
import { sourceTrust } from "../../../data/sources/index.js";
import { writeTable } from "../../../data/table/index.js";
import {
  type BatchTrust,
  type Correction,
  driftTestJson,
  loadExpectations,
  type ValidationReport,
  validateBatch,
} from "../../../data/validate/index.js";
import { findingsSummary, sortFindings } from "../../findingsView.js";
import { failOnFlag } from "../../flags.js";
import { type Paint, paint, renderTable } from "../../output.js";
import { Project } from "../../project.js";
import { recordFindings } from "../../projectStore.js";
import { action, type RunState } from "../../runner.js";
import { type DataArgument, loadDataArgument } from "./input.js";

/**
 * `rampart data validate` (schema, expectations, drift against a reference) and
 * `rampart data pii` (personal data scan and keyed redaction), thin over src/data/validate
 * and src/data/pii.
 */

interface ValidateOptions {
  against?: string;
  expect?: string;
  source?: string;
  alpha?: string;
  correction?: string;
  failOn?: string;
}

interface PiiOptions {
  redact?: string;
  columns?: string;
  failOn?: string;
}

const EXPECTATIONS_HELP = `
Expectations file (--expect), YAML:
  rows: { min: 1000 }                 # also max; severity (default high)
  allow_extra_columns: true           # false: a column not listed is a finding
  columns:
    amount:  { type: numeric, min: 0, max: 100000, not_null: true }
    country: { allowed: [US, GB, FR], max_null_fraction: 0.01 }
    id:      { unique: true, sql_type: BIGINT }
    email:   { pattern: "^[^@]+@[^@]+$", severity: medium }
    coupon:  { required: false }
Column rules: type (numeric|categorical), sql_type, required (default true), not_null,
max_null_fraction, min, max, allowed, unique, pattern, severity (default high).

Drift (--against): KS + PSI + Wasserstein for numbers, chi-square + PSI + Jensen-Shannon for
categories, a z-test on null rates; p-values corrected per batch (rampart.yaml
data.validation: alpha 0.05, correction holm|bh); severity from the effect size
(PSI < 0.1 low, 0.1-0.25 medium, >= 0.25 high).`;

export function registerDataValidate(data: Command, state: RunState): void {
  data
    .command("validate")
    .description(
      "check a batch: schema and distribution shift against a reference, and an expectations file",
    )
    .argument("<data...>", "data files (CSV, Parquet, JSONL) or one snapshot id")
    .option("--against <ref>", "the reference: a snapshot id or a data file")
    .option("--expect <file>", "an expectations file (YAML, format below)")
    .option(
      "--source <name>",
      "where the batch came from (rampart.yaml data.sources) when it is not a snapshot",
    )
    .option(
      "--alpha <p>",
      "false-alarm rate for the batch's drift tests (default data.validation.alpha)",
    )
    .option("--correction <method>", "holm or bh (default data.validation.correction)")
    .option(
      "--fail-on <severity>",
      "exit 1 when a finding is at or above it (default: findings.fail_on, high)",
    )
    .addHelpText("after", EXPECTATIONS_HELP)
    .action(
      action<ValidateOptions>(
        state,
        "rampart/data-validate@1",
        async ({ out, global }, options, args) => {
          const project = Project.load(global);
          const failOn = failOnFlag(options.failOn) ?? project.config.findings.fail_on;
          if (options.against === undefined && options.expect === undefined) {
            throw new RampartError("E_USAGE", "nothing to validate against", {
              hint: "pass --against REF (a snapshot id or data file) and/or --expect FILE",
            });
          }
          const alpha = alphaFlag(options.alpha) ?? project.config.data.validation.alpha;
          const correction =
            correctionFlag(options.correction) ?? project.config.data.validation.correction;
          const expectations =
            options.expect === undefined ? undefined : loadExpectations(resolve(options.expect));
          const batch = await loadDataArgument(project, args);
          const reference =
            options.against === undefined
              ? undefined
              : await loadDataArgument(project, options.against);
          const trust = batchTrust(project, batch, options.source);
          const report = validateBatch(batch.table, {
            ...(reference === undefined ? {} : { reference: reference.table }),
            ...(expectations === undefined ? {} : { expectations }),
            alpha,
            correction,
            context: { asset: batch.asset, trust },
          });
          report.findings = sortFindings(report.findings);
          await recordFindings(project, "data.validate", batch.asset, report.findings, {
            reference: reference === undefined ? null : formatAsset(reference.asset),
            expectations: options.expect ?? null,
          });
          const failing = report.findings.filter((f) => atLeast(f.severity, failOn));
          out.document({
            schema: "rampart/data-validate@1",
            ok: failing.length === 0,
            fail_on: failOn,
            findings: report.findings,
            asset: batch.asset,
            rows: report.rows,
            trust,
            reference:
              reference === undefined
                ? null
                : { asset: reference.asset, rows: reference.table.nRows },
            schema_changes: report.schemaChanges ?? null,
            expectations: report.expectations ?? null,
            drift:
              report.drift === undefined
                ? null
                : {
                    alpha: report.drift.alpha,
                    correction: report.drift.correction,
                    tests: report.drift.tests.map((t) => driftTestJson(t, report.drift!)),
                    skipped: report.drift.skipped,
                  },
          });
          if (!out.json)
            printValidation(out.line, paint(out), batch, reference, trust, report, failOn);
          return failing.length > 0 ? ExitCode.findings : ExitCode.ok;
        },
      ),
    );

  data
    .command("pii")
    .description(
      "find personal data (emails, phones, card numbers, IBANs, SSNs, IP addresses); --redact writes a copy with keyed tokens",
    )
    .argument("<data...>", "data files (CSV, Parquet, JSONL) or one snapshot id")
    .option("--redact <out>", "write a copy with each match replaced by pii:<kind>:<hmac>")
    .option("--columns <names>", "only these columns, comma-separated")
    .option(
      "--fail-on <severity>",
      "exit 1 when a finding is at or above it (default: findings.fail_on, high)",
    )
    .addHelpText(
      "after",
      `
Text columns are scanned value by value; numeric columns only for whole numbers of 13-19
digits (card numbers), and 7-15 / 9 digits in columns named like phone / ssn.
Severity: card, SSN, IBAN high; email, phone medium; IP low; one level lower when under 1%
of a column's values. Examples are masked; raw values are never printed.
The redaction key is .rampart/keys/pii-hmac.key (made on first use, mode 0600) or
RAMPART_PII_KEY_FILE: same value, same token, so joins still work.`,
    )
    .action(
      action<PiiOptions>(state, "rampart/data-pii@1", async ({ out, global }, options, args) => {
        const project = Project.load(global);
        const failOn = failOnFlag(options.failOn) ?? project.config.findings.fail_on;
        const columns = columnsFlag(options.columns);
        const input = await loadDataArgument(project, args);
        const scanOptions = columns === undefined ? {} : { columns };
        const report = scanTable(input.table, scanOptions);
        const findings = sortFindings(piiFindings(report, input.asset));
        let redacted: {
          path: string;
          key_file: string;
          columns: { column: string; rows: number }[];
        } | null = null;
        if (options.redact !== undefined) {
          const target = resolve(options.redact);
          if (input.table.files.some((f) => resolve(f.path) === target)) {
            throw new RampartError(
              "E_USAGE",
              `--redact ${options.redact} is one of the input files`,
              {
                hint: "write the redacted copy to a new file; the input is never overwritten",
              },
            );
          }
          const keyFile = piiKeyFile(project);
          const result = redactTable(input.table, loadOrCreatePiiKey(keyFile), scanOptions);
          await writeTable(result.table, target);
          redacted = { path: target, key_file: keyFile, columns: result.columns };
        }
        await recordFindings(project, "data.pii", input.asset, findings, {
          redacted: redacted?.path ?? null,
        });
        const failing = findings.filter((f) => atLeast(f.severity, failOn));
        out.document({
          schema: "rampart/data-pii@1",
          ok: failing.length === 0,
          fail_on: failOn,
          findings,
          asset: input.asset,
          rows: report.rows,
          columns: report.columns,
          skipped: report.skipped,
          redacted,
        });
        if (!out.json) printPii(out.line, paint(out), input, report, findings, redacted, failOn);
        return failing.length > 0 ? ExitCode.findings : ExitCode.ok;
      }),
    );
}

function piiKeyFile(project: Project): string {
  const fromEnv = process.env.RAMPART_PII_KEY_FILE;
  return fromEnv !== undefined && fromEnv !== ""
    ? resolve(fromEnv)
    : project.path(PII_KEY_DEFAULT_PATH);
}

/**
 * The batch's trust: a snapshot carries its source's; a file is as trusted as the `--source`
 * it is declared to come from (unlisted = untrusted), and `unknown` when nobody said.
 */
function batchTrust(project: Project, batch: DataArgument, source: string | undefined): BatchTrust {
  if (batch.snapshot !== undefined) {
    if (source !== undefined) {
      throw new RampartError(
        "E_USAGE",
        "--source is for data files; a snapshot names its own source",
        {
          hint: `this snapshot came from "${batch.snapshot.source}"`,
        },
      );
    }
    return batch.snapshot.trust;
  }
  return source === undefined ? "unknown" : sourceTrust(project.config, source).trust;
}

function verdict(p: Paint, findings: Finding[], failOn: Severity): string {
  const failing = findings.filter((f) => atLeast(f.severity, failOn)).length;
  return failing > 0
    ? p.red(`✗ ${failing} finding(s) at or above ${failOn}`)
    : p.green(`✓ no finding at or above ${failOn}`);
}

function findingsTable(p: Paint, findings: Finding[], check: (f: Finding) => string): string {
  return renderTable(
    ["severity", "check", "finding"],
    findings.map((f) => [f.severity, check(f), f.title]),
    {
      maxWidth: 100,
      colorize: (col, text) =>
        col === 0 ? p.severity(text.trim() as Severity) + text.slice(text.trim().length) : text,
    },
  );
}

function printValidation(
  line: (text?: string) => void,
  p: Paint,
  batch: DataArgument,
  reference: DataArgument | undefined,
  trust: BatchTrust,
  report: ValidationReport,
  failOn: Severity,
): void {
  line(
    `${p.bold(formatAsset(batch.asset))}: ${report.rows} rows, trust ${trust}` +
      (reference === undefined
        ? ""
        : `, against ${formatAsset(reference.asset)} (${reference.table.nRows} rows)`),
  );
  if (report.findings.length > 0) {
    line();
    line(findingsTable(p, report.findings, (f) => f.detector.replace(/^data\.validate\./, "")));
  }
  line();
  if (report.schemaChanges !== undefined) {
    line(
      `schema: ${report.schemaChanges.length === 0 ? "same as the reference" : `${report.schemaChanges.length} change(s)`}`,
    );
  }
  if (report.drift !== undefined) {
    const significant = report.drift.tests.filter((t) => t.significant).length;
    line(
      `drift: ${report.drift.tests.length} test(s), ${report.drift.correction} correction at alpha ${report.drift.alpha}, ${significant} significant` +
        (report.drift.skipped.length > 0
          ? `, ${report.drift.skipped.length} column(s) not tested`
          : ""),
    );
  }
  if (report.expectations !== undefined) {
    const failed = report.expectations.filter((r) => !r.ok).length;
    line(`expectations: ${report.expectations.length} rule(s) checked, ${failed} failed`);
  }
  line(findingsSummary(report.findings));
  line(verdict(p, report.findings, failOn));
}

function printPii(
  line: (text?: string) => void,
  p: Paint,
  input: DataArgument,
  report: PiiScanReport,
  findings: Finding[],
  redacted: { path: string; columns: { column: string; rows: number }[] } | null,
  failOn: Severity,
): void {
  line(
    `${p.bold(formatAsset(input.asset))}: ${report.rows} rows, ${report.columns.length} column(s) scanned`,
  );
  const rows = report.columns.flatMap((c) =>
    c.kinds.map((k) => [
      c.column,
      k.kind,
      String(k.rows),
      `${(k.fraction * 100).toFixed(k.fraction < 0.01 ? 2 : 0)}%`,
      k.examples.join(", "),
    ]),
  );
  if (rows.length > 0) {
    line();
    line(
      renderTable(["column", "kind", "rows", "share", "examples (masked)"], rows, { maxWidth: 70 }),
    );
    line();
    line(findingsTable(p, findings, () => "pii"));
  }
  if (report.skipped.length > 0) {
    line(
      p.dim(
        `not scanned (numbers that cannot be PII): ${report.skipped.map((s) => s.column).join(", ")}`,
      ),
    );
  }
  if (redacted !== null) {
    const changed = redacted.columns.map((c) => `${c.column} (${c.rows} rows)`).join(", ");
    line(
      `redacted copy written to ${redacted.path}${changed ? `: ${changed}` : ": nothing to redact"}`,
    );
  }
  line();
  line(findingsSummary(findings));
  line(verdict(p, findings, failOn));
}

function alphaFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const alpha = Number(value);
  if (!(alpha > 0 && alpha < 1)) {
    throw new RampartError("E_USAGE", `--alpha "${value}" is not a probability between 0 and 1`, {
      hint: "e.g. --alpha 0.01",
    });
  }
  return alpha;
}

function correctionFlag(value: string | undefined): Correction | undefined {
  if (value === undefined) return undefined;
  if (value !== "holm" && value !== "bh") {
    throw new RampartError("E_USAGE", `--correction "${value}" is not supported`, {
      hint: "use holm (family-wise error rate) or bh (false discovery rate)",
    });
  }
  return value;
}

function columnsFlag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) {
    throw new RampartError("E_USAGE", "--columns is empty", { hint: "e.g. --columns email,phone" });
  }
  return names;
}
