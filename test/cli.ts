import { spawnSync } from "node:child_process";
import { TSX_LOADER } from "./services.js";

/** What one run of the CLI did. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const CLI = new URL("./fixtures/cli.ts", import.meta.url).pathname;

/**
 * Runs the real `rampart` command from source in a child process, in `cwd`, with the
 * environment's Rampart settings cleared (a developer's RAMPART_DATABASE_URL must not leak in)
 * and no colour. `env` sets variables for this run.
 */
export function rampart(cwd: string, args: string[], env: Record<string, string> = {}): CliRun {
  const result = spawnSync(process.execPath, ["--import", TSX_LOADER, CLI, ...args], {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      NO_COLOR: "1",
      RAMPART_DATABASE_URL: "",
      RAMPART_LEDGER_KEY_FILE: "",
      RAMPART_KEK_FILE: "",
      RAMPART_PII_KEY_FILE: "",
      ...env,
    },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The --json document a run printed; says what it printed instead when that is not JSON. */
export function json(run: CliRun): Record<string, unknown> {
  try {
    return JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`not JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}
