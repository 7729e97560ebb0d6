import { Command, CommanderError, Option } from "commander";
import { ExitCode } from "../core/index.js";
import { registerAudit } from "./commands/audit.js";
import { registerData } from "./commands/data/index.js";
import { registerFindings } from "./commands/findings.js";
import { registerInit } from "./commands/init.js";
import { registerModel } from "./commands/model/index.js";
import { registerScan } from "./commands/scan.js";
import type { OutputStreams } from "./output.js";
import type { RunState } from "./runner.js";
import { VERSION } from "./version.js";

const EXIT_CODES = `
rampart -V, --version prints the version.

Exit codes:
  0  ok
  1  findings at or above the threshold (--fail-on, default high), or a verification failed
  2  usage or configuration error
  3  internal error (a bug: please report it)
  4  nothing to do

Environment:
  RAMPART_DATABASE_URL     postgres://… to use PostgreSQL instead of the SQLite file
  RAMPART_LEDGER_KEY_FILE  the Ed25519 key that signs ledger checkpoints
  RAMPART_KEK_FILE         the key-encryption key for models.encrypt_at_rest
  RAMPART_PII_KEY_FILE     the HMAC key that data pii --redact hashes values with
  RAMPART_ACTOR            who is acting (recorded in the ledger); default user@host
  NO_COLOR                 no colour even on a terminal`;

export function buildProgram(state: RunState): Command {
  const program = new Command("rampart")
    .description("MLSecOps for blue teams: data, models, serving and production, on the record.")
    .option("--json", "print one JSON document (rampart/<command>@1) instead of tables")
    .option("--db <path|url>", "SQLite file or postgres:// URL (overrides rampart.yaml)")
    .option("-c, --config <file>", "configuration file", undefined)
    .addOption(new Option("--color", "force colour").hideHelp())
    .option("--no-color", "no colour, even on a terminal")
    .addHelpText("after", EXIT_CODES)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => state.streams.stdout.write(s),
      writeErr: (s) => state.streams.stderr.write(s),
    });
  registerInit(program, state);
  registerAudit(program, state);
  registerFindings(program, state);
  registerScan(program, state);
  registerModel(program, state);
  registerData(program, state);
  // Every subcommand inherits the same output routing and exit handling.
  for (const command of program.commands) applyToTree(command, state);
  return program;
}

function applyToTree(command: Command, state: RunState): void {
  command.exitOverride().configureOutput({
    writeOut: (s) => state.streams.stdout.write(s),
    writeErr: (s) => state.streams.stderr.write(s),
  });
  command.showHelpAfterError("(run with --help for usage)");
  for (const sub of command.commands) applyToTree(sub, state);
}

/** Runs the CLI and returns its exit code; never throws. */
export async function main(
  argv: string[],
  streams: OutputStreams = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const state: RunState = { exitCode: ExitCode.ok, streams };
  const program = buildProgram(state);
  // Answered here, not by commander: a program-level --version would be recognised after any
  // verb too and shadow `model register --version V`.
  if (argv.length === 3 && (argv[2] === "-V" || argv[2] === "--version")) {
    streams.stdout.write(`${VERSION}\n`);
    return ExitCode.ok;
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      const informational = [
        "commander.helpDisplayed",
        "commander.version",
        "commander.help",
      ].includes(error.code);
      // A group called without a verb (`rampart audit`) prints help: that is a usage error.
      return informational ? ExitCode.ok : ExitCode.usage;
    }
    throw error;
  }
  return state.exitCode;
}
