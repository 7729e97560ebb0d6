import { readdirSync, type Stats, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { type EcdsaKeyPair, RampartError, signDsse } from "../../core/index.js";
import { profileTable } from "../profile/index.js";
import { initialStatus, type SourceTrust, sourceTrust } from "../sources/index.js";
import { detectFormat, readTable } from "../table/index.js";
import { checkName, nowIso, type SnapshotContext, snapshotAsset } from "./context.js";
import { relativeNames, rootDigest, sha256File } from "./digest.js";
import { getSnapshot, insertSnapshot, requireSnapshot } from "./repository.js";
import { buildStatement, PAYLOAD_TYPE, snapshotIdOf, statementBytes } from "./statement.js";
import type { SnapshotFile, SnapshotRecord, SnapshotStatement } from "./types.js";

export interface SnapshotInput {
  paths: string[];
  dataset: string;
  source: string;
  contributor?: string;
  /** Parent snapshots: ids or unique prefixes; each must exist. */
  parents?: string[];
  signer: EcdsaKeyPair;
}

export interface SnapshotResult {
  record: SnapshotRecord;
  statement: SnapshotStatement;
  trust: SourceTrust;
}

/**
 * Takes a snapshot: hashes the files, reads and profiles them, signs the statement, and
 * stores the record with its `data.snapshot` ledger entry in one transaction. The source's
 * trust (rampart.yaml `data.sources`) sets the first status: untrusted → quarantined.
 */
export async function createSnapshot(
  ctx: SnapshotContext,
  input: SnapshotInput,
): Promise<SnapshotResult> {
  const dataset = checkName("--dataset", input.dataset);
  const source = checkName("--source", input.source);
  const contributor =
    input.contributor === undefined ? null : checkName("--contributor", input.contributor);
  const paths = checkFiles(input.paths);

  const parents: string[] = [];
  for (const ref of input.parents ?? []) {
    const parent = await requireSnapshot(ctx.store, ref);
    if (!parents.includes(parent.id)) parents.push(parent.id);
  }

  const before = paths.map((p) => statSync(p));
  const digests: string[] = [];
  for (const p of paths) digests.push(await sha256File(p));
  const table = await readTable(paths);
  // Through JSON once: the statement is canonical JSON, which refuses undefined and NaN; a
  // descriptive profile may hold them where a column has no value (they become null / absent).
  const profile: unknown = JSON.parse(JSON.stringify(profileTable(table)));
  // The profile must describe the bytes that were hashed: a file rewritten meanwhile is refused.
  paths.forEach((p, i) => {
    const now = statSync(p);
    const then = before[i];
    if (then === undefined || now.size !== then.size || now.mtimeMs !== then.mtimeMs) {
      throw new RampartError("E_DATA", `${p} changed while the snapshot was being taken`, {
        hint: "snapshot data that is no longer being written",
      });
    }
  });

  const names = relativeNames(paths);
  const files: SnapshotFile[] = paths.map((path, i) => {
    const read = table.files.find((f) => resolve(f.path) === path);
    if (read === undefined) {
      throw new RampartError("E_INTERNAL", `the table reader did not report ${path}`);
    }
    return {
      name: names[i] as string,
      path,
      sha256: digests[i] as string,
      size: before[i]?.size ?? read.size,
      format: read.format,
      rows: read.rows,
    };
  });
  const trust = sourceTrust(ctx.config, source);
  const createdAt = nowIso(ctx);
  const statement = buildStatement({
    dataset,
    rootDigest: { sha256: rootDigest(files) },
    createdAt,
    createdBy: ctx.actor,
    source: { name: source, trust: trust.trust, listed: trust.listed },
    contributor,
    parents,
    rows: table.nRows,
    files,
    schema: table.columns.map((c) => ({ name: c.name, type: c.sqlType, kind: c.kind })),
    profile,
  });
  const payload = statementBytes(statement);
  const id = snapshotIdOf(payload);
  const envelope = signDsse(payload, PAYLOAD_TYPE, input.signer);
  const status = initialStatus(trust.trust);
  const record: SnapshotRecord = {
    id,
    dataset,
    rootDigest: statement.predicate.rootDigest.sha256,
    source,
    trust: trust.trust,
    contributor,
    parents,
    files,
    rows: table.nRows,
    envelope,
    keyId: input.signer.keyId,
    status,
    statusChangedAt: createdAt,
    statusChangedBy: ctx.actor,
    statusReason: trust.listed ? null : `source ${source} is not listed in data.sources`,
    createdAt,
    createdBy: ctx.actor,
  };

  if ((await getSnapshot(ctx.store.db, id)) !== undefined) {
    throw new RampartError("E_USAGE", `snapshot ${id} already exists`);
  }
  // The record and its ledger entry commit together, or neither does.
  await ctx.store.db.transaction().execute(async (trx) => {
    await insertSnapshot(trx, record);
    await ctx.ledger.appendWithin(trx, [
      {
        actor: ctx.actor,
        kind: "data.snapshot",
        asset: snapshotAsset(dataset, id),
        payload: {
          root_digest: record.rootDigest,
          source,
          trust: trust.trust,
          source_listed: trust.listed,
          contributor,
          parents,
          files: files.map((f) => ({ name: f.name, sha256: f.sha256, size: f.size })),
          rows: record.rows,
          status,
          key_id: record.keyId,
        },
      },
    ]);
  });
  return { record, statement, trust };
}

/**
 * Absolute, existing, distinct files. A folder stands for the data files directly inside it,
 * in name order, as readTable reads it; the snapshot records each file.
 */
function checkFiles(inputs: readonly string[]): string[] {
  if (inputs.length === 0) {
    throw new RampartError("E_USAGE", "give at least one data file to snapshot");
  }
  const paths: string[] = [];
  const add = (path: string, given: string) => {
    if (paths.includes(path)) throw new RampartError("E_USAGE", `${given} is given twice`);
    paths.push(path);
  };
  for (const input of inputs) {
    const path = resolve(input);
    let stat: Stats;
    try {
      stat = statSync(path);
    } catch {
      throw new RampartError("E_NOT_FOUND", `no such file: ${input}`, {
        hint: "check the path; a snapshot records files that exist now",
      });
    }
    if (stat.isDirectory()) {
      const inside = readdirSync(path)
        .filter((name) => !name.startsWith("."))
        .sort()
        .map((name) => join(path, name))
        .filter((child) => statSync(child).isFile() && hasDataExtension(child));
      if (inside.length === 0) {
        throw new RampartError("E_DATA", `the folder ${input} holds no data files`, {
          hint: "a folder stands for the .csv/.tsv/.parquet/.jsonl/.json files directly inside it",
        });
      }
      for (const child of inside) add(child, child);
    } else if (stat.isFile()) {
      add(path, input);
    } else {
      throw new RampartError("E_USAGE", `${input} is not a regular file`);
    }
  }
  return paths;
}

function hasDataExtension(path: string): boolean {
  try {
    detectFormat(path);
    return true;
  } catch {
    return false;
  }
}
