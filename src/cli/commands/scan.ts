import { existsSync } from "node:fs";
import { resolve } from "node:path";
import cliProgress from "cli-progress";
import type { Command } from "commander";
import {
  atLeast,
  ExitCode,
  RampartError,
  SEVERITIES,
  type Severity,
  writeFileAtomically,
} from "../../core/index.js";
import { runScan, type ScanReport, toSarif } from "../../model/index.js";
import { saveFindings } from "../../store/index.js";
import { sortFindings } from "../findingsView.js";
import { failOnFlag } from "../flags.js";
import { paint, renderTable } from "../output.js";
import { currentActor, Project } from "../project.js";
import { action, type RunState } from "../runner.js";
import { VERSION } from "../version.js";

interface ScanOptions {
  format?: string;
  output?: string;
  failOn?: string;
  progress?: boolean;
}

const FORMATS = ["table", "json", "sarif"] as const;
type Format = (typeof FORMATS)[number];

export function registerScan(program: Command, state: RunState): void {
  program
    .command("scan")
    .description(
      "find code hidden in model files: pickle, PyTorch, joblib, numpy, Keras, TensorFlow, ONNX, safetensors, GGUF, and archives of them",
    )
    .argument("<path...>", "files and folders to scan (formats are detected by content)")
    .option("--format <format>", `output format: ${FORMATS.join(", ")}`, "table")
    .option("-o, --output <file>", "write the report to a file instead of standard output")
    .option(
      "--fail-on <severity>",
      "exit 1 when a finding is at or above it (default: findings.fail_on, high)",
    )
    .option("--no-progress", "no progress bar, even on a terminal")
    .action(
      action<ScanOptions>(state, "rampart/scan@1", async ({ out, global }, options, args) => {
        const format = parseFormat(global.json ? "json" : (options.format ?? "table"));
        const project = Project.load(global);
        const failOn = failOnFlag(options.failOn) ?? project.config.findings.fail_on;
        const progress = startProgress(options.progress !== false && process.stderr.isTTY === true);
        let report: ScanReport;
        try {
          report = await runScan(args, project.config, { onProgress: progress?.update });
        } finally {
          progress?.stop();
        }
        report.findings = sortFindings(report.findings);
        const failing = report.findings.filter((f) => atLeast(f.severity, failOn));
        await recordIfInitialized(project, report);

        const document = {
          schema: "rampart/scan@1",
          ok: failing.length === 0,
          fail_on: failOn,
          findings: report.findings,
          files: report.files,
          skipped: report.skipped,
          errors: report.errors,
        };
        let text: string;
        if (format === "json") text = `${JSON.stringify(document, null, 2)}\n`;
        else if (format === "sarif") {
          text = `${JSON.stringify(toSarif(report, { name: "Rampart", version: VERSION }), null, 2)}\n`;
        } else text = renderReport(report, failOn, paint(out));
        if (options.output !== undefined) {
          writeFileAtomically(
            resolve(options.output),
            format === "table" ? stripAnsi(text) : text,
            "the report",
          );
          out.line(`report written to ${options.output}`);
        } else if (format === "table") {
          out.line(text.trimEnd());
        } else {
          state.streams.stdout.write(text);
        }

        // An error never hides a finding: findings decide first, then errors, then "nothing".
        if (failing.length > 0) return ExitCode.findings;
        if (report.errors.length > 0) return ExitCode.internal;
        if (report.files.length === 0) return ExitCode.nothingToDo;
        return ExitCode.ok;
      }),
    );
}

function renderReport(report: ScanReport, failOn: Severity, p: ReturnType<typeof paint>): string {
  const lines: string[] = [];
  if (report.findings.length > 0) {
    lines.push(
      renderTable(
        ["severity", "file", "rule", "finding"],
        report.findings.map((f) => [
          f.severity,
          String(f.evidence.file ?? f.asset.id),
          String(f.evidence.rule ?? f.detector),
          f.title,
        ]),
        {
          maxWidth: 90,
          colorize: (col, text) =>
            col === 0 ? p.severity(text.trim() as Severity) + text.slice(text.trim().length) : text,
        },
      ),
      "",
    );
  }
  for (const s of report.skipped) lines.push(p.dim(`skipped  ${s.path}: ${s.reason}`));
  for (const e of report.errors) lines.push(p.red(`error    ${e.path}: ${e.message}`));
  const bySeverity = SEVERITIES.slice()
    .reverse()
    .map((s) => [s, report.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  const formats = [...new Set(report.files.map((f) => f.format))].join(", ");
  lines.push(
    `${report.files.length} file(s) scanned${formats ? ` (${formats})` : ""}, ${report.findings.length} finding(s)${bySeverity.length ? ` (${bySeverity.join(", ")})` : ""}, ${report.skipped.length} skipped, ${report.errors.length} error(s)`,
  );
  const failing = report.findings.filter((f) => atLeast(f.severity, failOn)).length;
  lines.push(
    failing > 0
      ? p.red(`✗ ${failing} finding(s) at or above ${failOn}`)
      : p.green(`✓ no finding at or above ${failOn}`),
  );
  return `${lines.join("\n")}\n`;
}

/** In a Rampart project, findings are stored and the scan is on the record. */
async function recordIfInitialized(project: Project, report: ScanReport): Promise<void> {
  if (!project.configFound || !existsSync(project.keyFile)) return;
  let store: Awaited<ReturnType<Project["openStore"]>>;
  try {
    store = await project.openStore();
  } catch {
    return; // a project without its database: the scan result still prints
  }
  try {
    await saveFindings(store, report.findings);
    const writer = project.openWriter(store);
    await writer.append(
      report.files.map((f) => ({
        actor: currentActor(),
        kind: "model.scan",
        asset: { kind: "file" as const, id: f.path, version: `sha256:${f.sha256}` },
        payload: { format: f.format, size: f.size, findings: f.findings },
      })),
    );
    await writer.close();
  } finally {
    await store.close();
  }
}

function startProgress(enabled: boolean) {
  if (!enabled) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      format: "scanning [{bar}] {percentage}% {value}/{total} MB {file}",
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (done: number, total: number, file: string) => {
      // Only worth drawing for large scans.
      if (total < 64 * 1024 * 1024) return;
      const mb = (n: number) => Math.round(n / (1024 * 1024));
      if (!started) {
        bar.start(mb(total), 0, { file });
        started = true;
      }
      bar.update(mb(done), { file: file.slice(-40) });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

function parseFormat(value: string): Format {
  if (!(FORMATS as readonly string[]).includes(value)) {
    throw new RampartError("E_USAGE", `--format "${value}" is not supported`, {
      hint: `use one of ${FORMATS.join(", ")}`,
    });
  }
  return value as Format;
}

function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing terminal colour codes
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}
