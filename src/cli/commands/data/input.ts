import { existsSync } from "node:fs";
import { basename, resolve } from "node:path";
import { type AssetRef, RampartError } from "../../../core/index.js";
import {
  findSnapshot,
  loadDataVerifier,
  readSnapshotData,
  type SnapshotRecord,
  snapshotAsset,
} from "../../../data/snapshot/index.js";
import { readTable } from "../../../data/table/index.js";
import type { Table } from "../../../data/table/types.js";
import type { Project } from "../../project.js";

export interface DataArgument {
  table: Table;
  /** dataset:NAME@SNAPSHOT for a snapshot; dataset:<file name(s)> for files. */
  asset: AssetRef;
  snapshot?: SnapshotRecord;
}

/**
 * What every data verb taking `<path|snapshot>` reads. Existing paths are read as files
 * (several are concatenated); otherwise a single argument is a snapshot id or unique prefix,
 * read only after its signature (project data key) and its files' digests check out (E_DATA
 * naming what changed).
 */
export async function loadDataArgument(
  project: Project,
  ref: string[] | string,
  options: { root?: string } = {},
): Promise<DataArgument> {
  const refs = typeof ref === "string" ? [ref] : ref;
  if (refs.length === 0) throw new RampartError("E_USAGE", "give a data file or a snapshot id");
  const existing = refs.filter((r) => existsSync(r));
  if (existing.length === refs.length) {
    const paths = refs.map((r) => resolve(r));
    const table = await readTable(paths);
    const id = paths.map((p) => basename(p)).join(",");
    return { table, asset: { kind: "dataset", id } };
  }
  if (refs.length === 1 && /^[0-9a-fA-F]{8,64}$/.test(refs[0] as string)) {
    const store = await project.openStore();
    let snapshot: SnapshotRecord | undefined;
    try {
      snapshot = await findSnapshot(store, refs[0] as string);
    } finally {
      await store.close();
    }
    if (snapshot !== undefined) {
      // Signature, stored row and file digests are all checked before a byte is used.
      const publicKey = loadDataVerifier(project.path(project.config.data.signing_key_file));
      const table = await readSnapshotData(snapshot, { ...options, publicKey });
      return { table, asset: snapshotAsset(snapshot.dataset, snapshot.id), snapshot };
    }
    throw new RampartError("E_NOT_FOUND", `no file and no dataset snapshot "${refs[0]}"`, {
      hint: "give an existing data file, or a snapshot id from `rampart data list`",
    });
  }
  const missing = refs.filter((r) => !existsSync(r));
  throw new RampartError("E_NOT_FOUND", `no such file: ${missing.join(", ")}`, {
    hint:
      refs.length > 1
        ? "every argument must be an existing data file (a snapshot id stands alone)"
        : "give an existing data file (CSV, Parquet, JSONL), or a snapshot id from `rampart data list`",
  });
}
