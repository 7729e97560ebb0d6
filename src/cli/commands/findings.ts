import type { Command } from "commander";
import {
  atLeast,
  ExitCode,
  formatAsset,
  isSeverity,
  RampartError,
  SEVERITIES,
  type Severity,
} from "../../core/index.js";
import { listFindings } from "../../store/index.js";
import { paint, renderTable } from "../output.js";
import { Project } from "../project.js";
import { action, type RunState } from "../runner.js";

interface ListOptions {
  minSeverity?: string;
  failOn?: string;
  detector?: string;
  limit?: string;
}

export function registerFindings(program: Command, state: RunState): void {
  const findings = program.command("findings").description("findings raised by Rampart's controls");
  findings
    .command("list")
    .description("list stored findings, most severe first; exit 1 if any is at or above --fail-on")
    .option("--min-severity <severity>", `only findings at or above it (${SEVERITIES.join(", ")})`)
    .option(
      "--fail-on <severity>",
      "exit 1 when a listed finding is at or above it (default: findings.fail_on in rampart.yaml, high)",
    )
    .option("--detector <name>", "only findings from this detector, e.g. ledger.verify")
    .option("--limit <n>", "at most n findings")
    .action(
      action<ListOptions>(state, "rampart/findings-list@1", async ({ out, global }, options) => {
        const minSeverity = severityFlag("--min-severity", options.minSeverity);
        const project = Project.load(global);
        const failOn = severityFlag("--fail-on", options.failOn) ?? project.config.findings.fail_on;
        const limit = options.limit === undefined ? undefined : Number(options.limit);
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
          throw new RampartError(
            "E_USAGE",
            `--limit "${options.limit}" is not a positive whole number`,
          );
        }
        const store = await project.openStore();
        try {
          const list = await listFindings(store, {
            ...(minSeverity === undefined ? {} : { minSeverity }),
            ...(options.detector === undefined ? {} : { detector: options.detector }),
            ...(limit === undefined ? {} : { limit }),
          });
          const failing = list.filter((f) => atLeast(f.severity, failOn));
          const p = paint(out);
          if (list.length === 0) {
            out.line("no findings");
          } else {
            out.line(
              renderTable(
                ["severity", "time", "detector", "asset", "threats", "title"],
                list.map((f) => [
                  f.severity,
                  f.time.replace("T", " ").replace(/\.\d+Z$/, "Z"),
                  f.detector,
                  formatAsset(f.asset),
                  f.threats.map((t) => t.id).join(","),
                  f.title,
                ]),
                {
                  maxWidth: 80,
                  colorize: (col, text) =>
                    col === 0
                      ? p.severity(text.trim() as Severity) + text.slice(text.trim().length)
                      : text,
                },
              ),
            );
            out.line("");
            out.line(
              failing.length > 0
                ? p.red(`${failing.length} finding(s) at or above ${failOn}`)
                : p.green(`no finding at or above ${failOn}`),
            );
          }
          out.document({
            schema: "rampart/findings-list@1",
            ok: failing.length === 0,
            findings: list,
            fail_on: failOn,
          });
          return failing.length > 0 ? ExitCode.findings : ExitCode.ok;
        } finally {
          await store.close();
        }
      }),
    );
}

function severityFlag(flag: string, value: string | undefined): Severity | undefined {
  if (value === undefined) return undefined;
  if (!isSeverity(value)) {
    throw new RampartError("E_USAGE", `${flag} "${value}" is not a severity`, {
      hint: `use one of ${SEVERITIES.join(", ")}`,
    });
  }
  return value;
}
