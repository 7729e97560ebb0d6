import { renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { RampartError } from "./errors.js";

/**
 * Writes a whole file so that no reader ever sees half of it: beside the target, then renamed
 * over it. `what` names the file in the error ("the signature", "the report").
 */
export function writeFileAtomically(path: string, text: string, what: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (cause) {
    rmSync(tmp, { force: true });
    throw new RampartError("E_IO", `cannot write ${what} to ${path}`, {
      hint: `check that ${dirname(path)} exists and is writable`,
      cause,
    });
  }
}
