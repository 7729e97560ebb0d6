import type { Command } from "commander";
import { ExitCode, isRampartError } from "../core/index.js";
import { createOutput, type Output, type OutputStreams } from "./output.js";
import type { GlobalOptions } from "./project.js";

export interface CommandContext {
  out: Output;
  global: GlobalOptions;
}

export type Action<O> = (ctx: CommandContext, options: O, args: string[]) => Promise<number>;

/** Exit code of the last action, read by `main` once commander returns. */
export interface RunState {
  exitCode: number;
  streams: OutputStreams;
}

/**
 * Wraps a command's action: builds the output from the global flags, runs it, and turns a
 * RampartError into its message, hint and exit code (never a stack trace). Anything else
 * is a bug: exit 3 with the stack for the report.
 */
export function action<O>(state: RunState, schema: string, fn: Action<O>) {
  return async (...params: unknown[]): Promise<void> => {
    const command = params.at(-1) as Command;
    const options = command.opts() as O;
    const global = command.optsWithGlobals() as GlobalOptions;
    const out = createOutput(global.json === true, state.streams, global.color);
    const args = params.slice(0, -2).flat() as string[];
    try {
      state.exitCode = await fn({ out, global }, options, args);
    } catch (error) {
      state.exitCode = reportError(out, schema, error);
    }
  };
}

export function reportError(out: Output, schema: string, error: unknown): number {
  if (isRampartError(error)) {
    out.warn(`rampart: ${error.message}`);
    if (error.hint !== undefined) out.warn(`hint: ${error.hint}`);
    out.document({ schema, ok: false, findings: [], error: error.toJSON() });
    return error.exitCode;
  }
  const e = error instanceof Error ? error : new Error(String(error));
  out.warn(`rampart: internal error: ${e.message}`);
  out.warn("this is a bug in Rampart; please report it with the trace below");
  out.warn(e.stack ?? "");
  out.document({
    schema,
    ok: false,
    findings: [],
    error: { code: "E_INTERNAL", message: e.message },
  });
  return ExitCode.internal;
}
