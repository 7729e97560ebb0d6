import { resolve } from "node:path";
import type { Command } from "commander";
import {
  type AssetRef,
  atLeast,
  ExitCode,
  formatAsset,
  RampartError,
  type Severity,
} from "../../../core/index.js";
import { detectorNames, type InspectReport, inspectTable } from "../../../data/poisoning/index.js";
import { selectRows, writeTable } from "../../../data/table/index.js";
import type { Table } from "../../../data/table/types.js";
import { findingsSummary, sortFindings } from "../../findingsView.js";
import { failOnFlag, integerFlag, listFlag } from "../../flags.js";
import { type Paint, paint, renderTable } from "../../output.js";
import { Project } from "../../project.js";
import { recordFindings } from "../../projectStore.js";
import { action, type RunState } from "../../runner.js";
import { loadDataArgument } from "./input.js";

/** `rampart data inspect`: poisoning detectors over a dataset, thin over src/data/poisoning. */

interface InspectOptions {
  label: string;
  sourceColumn?: string;
  trusted?: string;
  exclude?: string;
  detectors?: string;
  writeClean?: string;
  writeQuarantine?: string;
  failOn?: string;
  seed?: string;
  top?: string;
}

const HELP = `
Detectors (all by default; --detectors picks some): ${detectorNames().join(", ")}.
Features: numeric columns as they are (nulls → median + a missing flag), text columns one-hot
(≤ 32 values) or frequency-encoded; id-like columns, the label and the source column are left out.
A row is flagged when any detector flags it; its score is the highest detector score (0..1).
--write-clean writes the unflagged rows, --write-quarantine the flagged ones (CSV, Parquet or
JSONL by extension). Exit 1 when a finding is at or above --fail-on.`;

export function registerDataInspect(data: Command, state: RunState): void {
  data
    .command("inspect")
    .description(
      "find poisoned training data: flipped labels, targeted relabelling, bad contributors, outliers, floods, backdoor triggers",
    )
    .argument("<data...>", "data files (CSV, Parquet, JSONL) or one snapshot id")
    .requiredOption("--label <column>", "the label column")
    .option("--source-column <column>", "the column naming who contributed each row")
    .option("--trusted <ref>", "known-good data (snapshot id or file) with the same columns")
    .option("--exclude <columns>", "columns that are not features, comma-separated")
    .option("--detectors <names>", "run only these detectors, comma-separated")
    .option("--write-clean <file>", "write the rows no detector flagged")
    .option("--write-quarantine <file>", "write the flagged rows")
    .option(
      "--fail-on <severity>",
      "exit 1 when a finding is at or above it (default: findings.fail_on, high)",
    )
    .option("--seed <n>", "seed for folds and sampling (same data + seed ⇒ same report)", "0")
    .option("--top <n>", "flagged rows to show in the table view", "20")
    .addHelpText("after", HELP)
    .action(
      action<InspectOptions>(
        state,
        "rampart/data-inspect@1",
        async ({ out, global }, options, args) => {
          const project = Project.load(global);
          const failOn = failOnFlag(options.failOn) ?? project.config.findings.fail_on;
          const seed = integerFlag("--seed", options.seed ?? "0", 0);
          const top = integerFlag("--top", options.top ?? "20", 0);
          const input = await loadDataArgument(project, args);
          for (const target of [options.writeClean, options.writeQuarantine]) {
            if (target !== undefined) refuseInputOverwrite(input.table, target);
          }
          const trusted =
            options.trusted === undefined
              ? undefined
              : await loadDataArgument(project, options.trusted);
          const report = await inspectTable(input.table, {
            label: options.label,
            asset: input.asset,
            seed,
            ...(options.sourceColumn === undefined ? {} : { source: options.sourceColumn }),
            ...(trusted === undefined ? {} : { trusted: trusted.table }),
            ...(options.exclude === undefined ? {} : { exclude: listFlag(options.exclude) }),
            ...(options.detectors === undefined ? {} : { detectors: listFlag(options.detectors) }),
          });
          report.findings = sortFindings(report.findings);
          const flaggedRows = report.rows.filter((r) => r.flagged).map((r) => r.row);
          const written: { clean: string | null; quarantine: string | null } = {
            clean: null,
            quarantine: null,
          };
          if (options.writeClean !== undefined) {
            const flagged = new Set(flaggedRows);
            const clean = report.rows.filter((r) => !flagged.has(r.row)).map((r) => r.row);
            written.clean = resolve(options.writeClean);
            await writeTable(selectRows(input.table, clean), written.clean);
          }
          if (options.writeQuarantine !== undefined) {
            written.quarantine = resolve(options.writeQuarantine);
            await writeTable(selectRows(input.table, flaggedRows), written.quarantine);
          }
          await recordFindings(project, "data.inspect", input.asset, report.findings, {
            rows: report.rows.length,
            flagged: flaggedRows.length,
            trusted: trusted === undefined ? null : formatAsset(trusted.asset),
            written,
          });
          const failing = report.findings.filter((f) => atLeast(f.severity, failOn));
          out.document({
            schema: "rampart/data-inspect@1",
            ok: failing.length === 0,
            fail_on: failOn,
            findings: report.findings,
            asset: input.asset,
            label: options.label,
            summary: { rows: report.rows.length, flagged: flaggedRows.length },
            rows: report.rows,
            sources: report.sources,
            detectors: report.detectors,
            features: report.encoding.featureNames.length,
            excluded: report.encoding.excluded,
            written,
          });
          if (!out.json)
            printReport(out.line, paint(out), input.asset, report, failOn, top, written);
          return failing.length > 0 ? ExitCode.findings : ExitCode.ok;
        },
      ),
    );
}

function printReport(
  line: (text?: string) => void,
  p: Paint,
  asset: AssetRef,
  report: InspectReport,
  failOn: Severity,
  top: number,
  written: { clean: string | null; quarantine: string | null },
): void {
  const flagged = report.rows.filter((r) => r.flagged);
  line(
    `${p.bold(formatAsset(asset))}: ${report.rows.length} rows, ${flagged.length} flagged, ${findingsSummary(report.findings)}`,
  );
  if (report.findings.length > 0) {
    line();
    line(
      renderTable(
        ["severity", "detector", "finding"],
        report.findings.map((f) => [
          f.severity,
          f.detector.replace(/^data\.poisoning\./, ""),
          f.title,
        ]),
        {
          maxWidth: 100,
          colorize: (col, text) =>
            col === 0 ? p.severity(text.trim() as Severity) + text.slice(text.trim().length) : text,
        },
      ),
    );
  }
  if (flagged.length > 0 && top > 0) {
    const shown = flagged
      .slice()
      .sort((a, b) => b.score - a.score || a.row - b.row)
      .slice(0, top);
    line();
    line(p.bold(`top flagged rows (${shown.length} of ${flagged.length})`));
    line(
      renderTable(
        ["row", "score", "reason"],
        shown.map((r) => [String(r.row), r.score.toFixed(2), r.reasons.join("; ")]),
        { maxWidth: 110 },
      ),
    );
  }
  if (report.sources.length > 0) {
    line();
    line(p.bold("sources"));
    line(
      renderTable(
        ["source", "score", "flagged"],
        report.sources.map((s) => [s.source, s.score.toFixed(2), s.flagged ? "yes" : "no"]),
        { colorize: (col, text) => (col === 2 && text.trim() === "yes" ? p.red(text) : text) },
      ),
    );
  }
  const skipped = report.detectors.filter((d) => !d.ran);
  if (skipped.length > 0) {
    line();
    for (const d of skipped) line(p.dim(`skipped ${d.name}: ${d.skipped}`));
  }
  if (written.clean !== null) line(`clean rows written to ${written.clean}`);
  if (written.quarantine !== null) line(`flagged rows written to ${written.quarantine}`);
  const failing = report.findings.filter((f) => atLeast(f.severity, failOn)).length;
  line(
    failing > 0
      ? p.red(`✗ ${failing} finding(s) at or above ${failOn}`)
      : p.green(`✓ no finding at or above ${failOn}`),
  );
}

function refuseInputOverwrite(table: Table, target: string): void {
  if (table.files.some((f) => resolve(f.path) === resolve(target))) {
    throw new RampartError("E_USAGE", `${target} is one of the input files`, {
      hint: "write the clean or quarantined rows to a new file; the input is never overwritten",
    });
  }
}
