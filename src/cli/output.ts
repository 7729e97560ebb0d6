import pc from "picocolors";
import type { Finding, Severity } from "../core/index.js";

/**
 * Where a command's result goes. People get tables (coloured on a terminal, plain when
 * piped); scripts get one JSON document of the output contract with `--json`.
 */
export interface Output {
  readonly json: boolean;
  readonly color: boolean;
  /** A line for people (stdout); dropped in --json mode. */
  line(text?: string): void;
  /** Diagnostics (stderr), shown in both modes. */
  warn(text: string): void;
  /** The --json document (stdout); dropped in human mode. */
  document(doc: OutputDocument): void;
}

/** DESIGN.md's output contract: every verb prints this shape with --json. */
export interface OutputDocument {
  schema: string;
  ok: boolean;
  findings: Finding[];
  [field: string]: unknown;
}

export interface OutputStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}

export function createOutput(
  json: boolean,
  streams: OutputStreams,
  colorFlag: boolean | undefined,
): Output {
  const color =
    !json && (colorFlag ?? (streams.stdout.isTTY === true && process.env.NO_COLOR === undefined));
  return {
    json,
    color,
    line: (text = "") => {
      if (!json) streams.stdout.write(`${text}\n`);
    },
    warn: (text) => streams.stderr.write(`${text}\n`),
    document: (doc) => {
      if (json) streams.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    },
  };
}

export interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  severity(s: Severity): string;
}

export function paint(out: Output): Paint {
  const c = pc.createColors(out.color);
  const bySeverity: Record<Severity, (s: string) => string> = {
    info: c.dim,
    low: c.cyan,
    medium: c.yellow,
    high: (s) => c.bold(c.red(s)),
    critical: (s) => c.bold(c.bgRed(c.white(s))),
  };
  return {
    bold: c.bold,
    dim: c.dim,
    red: c.red,
    green: c.green,
    yellow: c.yellow,
    severity: (s) => bySeverity[s](s),
  };
}

/** A plain text table; widths are measured before colour is applied. */
export function renderTable(
  headers: string[],
  rows: string[][],
  options: { maxWidth?: number; colorize?: (col: number, text: string) => string } = {},
): string {
  const max = options.maxWidth ?? 60;
  const clip = (s: string): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
  const cells = rows.map((r) => r.map((cell) => clip(cell.replace(/\s+/g, " "))));
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)),
  );
  const pad = (s: string, i: number): string => s.padEnd(widths[i] ?? 0);
  const head = headers.map((h, i) => pad(h.toUpperCase(), i)).join("  ");
  const body = cells.map((r) =>
    r
      .map((cell, i) => {
        const padded = pad(cell, i);
        return options.colorize ? options.colorize(i, padded) : padded;
      })
      .join("  ")
      .trimEnd(),
  );
  return [head.trimEnd(), ...body].join("\n");
}
