import { type DsseVerifier, RampartError, verifyDsse } from "../../core/index.js";
import { readTable } from "../table/index.js";
import type { Table } from "../table/types.js";
import { PAYLOAD_TYPE, parseStatement, snapshotIdOf } from "./statement.js";
import type { SnapshotRecord } from "./types.js";
import { checkFiles, recordMismatches } from "./verify.js";

/**
 * Reads a snapshot's data, after checking it is still the data that was snapshotted: the
 * files are re-hashed (at their recorded paths, or by name under `root`) and the row is held
 * to the statement in its envelope. Throws E_DATA naming every changed or missing file.
 * With `publicKey`, the envelope's signature is checked first too (E_DATA when it fails).
 */
export async function readSnapshotData(
  record: SnapshotRecord,
  options: { root?: string; publicKey?: DsseVerifier } = {},
): Promise<Table> {
  if (options.publicKey !== undefined) {
    const check = verifyDsse(record.envelope, [options.publicKey], PAYLOAD_TYPE);
    if (!check.verified) {
      throw new RampartError(
        "E_DATA",
        `snapshot ${record.id.slice(0, 12)}'s signature does not verify: ${check.reason ?? "invalid"}`,
        {
          hint: `do not use it; \`rampart data verify ${record.id.slice(0, 12)}\` shows the details`,
        },
      );
    }
  }
  const payload = Buffer.from(record.envelope.payload, "base64");
  const statement = parseStatement(payload);
  const mismatches = recordMismatches(record, statement);
  if (snapshotIdOf(payload) !== record.id) mismatches.unshift("id");
  if (mismatches.length > 0) {
    throw new RampartError(
      "E_DATA",
      `snapshot ${record.id.slice(0, 12)}'s stored record disagrees with its signed statement (${mismatches.join(", ")})`,
      { hint: `run \`rampart data verify ${record.id.slice(0, 12)}\` for the full report` },
    );
  }
  const checks = await checkFiles(statement.predicate.files, options.root);
  const bad = checks.filter((c) => c.status !== "ok");
  if (bad.length > 0) {
    throw new RampartError(
      "E_DATA",
      `snapshot ${record.id.slice(0, 12)} of ${record.dataset}: ${bad
        .map((c) => `${c.name} ${c.status}`)
        .join(", ")} since it was taken`,
      {
        hint:
          options.root === undefined
            ? "restore the files, or pass --root DIR if the data moved; `rampart data verify` shows the details"
            : "check the folder given as the root; `rampart data verify --root DIR` shows the details",
        details: { files: bad },
      },
    );
  }
  return readTable(checks.map((c) => c.path));
}
