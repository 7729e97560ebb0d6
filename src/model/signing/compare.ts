/**
 * Compares what a verified OMS manifest promises with the files on disk, file by file:
 * `ok` (every digest matches), `changed` (content, size or shard layout differs, or the file is no
 * longer a regular file), `missing` (signed, gone), `extra` (present, not signed, not ignored).
 *
 * Every signed file is checked, even one under an ignored path: ignoring only decides which
 * *unsigned* files are listed. Files are hashed by streaming (hash.ts), a few at a time.
 *
 * One gap is the format's, not Rampart's: in `shards` mode an empty file has no shard, so the
 * manifest cannot say whether it existed. Like the reference, an unsigned empty file is `ok` there.
 */
import { lstat, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { RampartError } from "../../core/index.js";
import { HASH_CONCURRENCY } from "./constants.js";
import { hashFile, hashShards } from "./hash.js";
import { comparePaths } from "./paths.js";
import { mapLimit } from "./pool.js";
import type { SignedManifest, SignedResource } from "./statement.js";
import type { FileStatus } from "./types.js";
import { type ModelEntry, walkModel } from "./walk.js";

export interface Comparison {
  files: { name: string; status: FileStatus }[];
  problems: string[];
}

export interface CompareOptions {
  /** Ignore names relative to the root: the manifest's, the defaults, the user's, the signature. */
  ignorePaths: readonly string[];
  ignoreUnsignedFiles: boolean;
}

export async function compareWithDisk(
  root: string,
  manifest: SignedManifest,
  options: CompareOptions,
): Promise<Comparison> {
  const signed = new Map<string, SignedResource[]>();
  for (const r of manifest.resources) {
    const list = signed.get(r.path);
    if (list === undefined) signed.set(r.path, [r]);
    else list.push(r);
  }
  const rootIsFile = (await stat(root)).isFile();
  const signedSingle = signed.has(".");
  if (rootIsFile && signed.size > 0 && !signedSingle) {
    return failed(
      `the signature covers a folder of ${signed.size} file(s), but ${root} is a single file: pass the model's folder`,
    );
  }
  if (!rootIsFile && signedSingle) {
    return failed(
      `the signature covers a single-file model, but ${root} is a folder: pass the model file itself`,
    );
  }
  const display = (name: string): string => (name === "." ? basename(root) : name);

  const listing = await walkModel(root, {
    ignorePaths: options.ignorePaths,
    allowSymlinks: manifest.allowSymlinks,
  });
  const checked = await mapLimit([...signed], HASH_CONCURRENCY, async ([path, resources]) => {
    const absolute = path === "." ? root : join(root, path);
    return { name: path, ...(await checkSigned(absolute, path, resources, manifest)) };
  });

  const files: { name: string; status: FileStatus; reason?: string }[] = [...checked];
  for (const entry of listing.entries) {
    if (signed.has(entry.name)) continue;
    if (manifest.method === "shards" && (await isEmptyFile(entry))) {
      files.push({ name: entry.name, status: "ok" });
      continue;
    }
    files.push({ name: entry.name, status: "extra" });
  }
  files.sort((a, b) => comparePaths(a.name, b.name));

  const problems: string[] = [];
  for (const f of files) {
    const name = display(f.name);
    if (f.status === "changed")
      problems.push(f.reason ?? `file ${name} changed since it was signed`);
    if (f.status === "missing") problems.push(`file ${name} is missing (it was signed)`);
    if (f.status === "extra" && !options.ignoreUnsignedFiles) {
      problems.push(`file ${name} is not in the signature (it was added after signing?)`);
    }
  }
  return { files: files.map((f) => ({ name: f.name, status: f.status })), problems };
}

function failed(problem: string): Comparison {
  return { files: [], problems: [problem] };
}

async function checkSigned(
  absolute: string,
  name: string,
  resources: readonly SignedResource[],
  manifest: SignedManifest,
): Promise<{ status: FileStatus; reason?: string }> {
  const shown = name === "." ? absolute : name;
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    // The model path itself may be a link the user chose; links inside it follow the manifest.
    info = name === "." ? await stat(absolute) : await lstat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { status: "missing" };
    throw unreadable(absolute, error);
  }
  if (info.isSymbolicLink()) {
    if (!manifest.allowSymlinks) {
      return {
        status: "changed",
        reason: `file ${shown} is now a symbolic link, which the signature does not allow`,
      };
    }
    try {
      info = await stat(absolute);
    } catch {
      return { status: "missing" };
    }
  }
  if (!info.isFile()) {
    return { status: "changed", reason: `file ${shown} is no longer a regular file` };
  }
  try {
    if (manifest.method === "files") {
      const { digest } = await hashFile(absolute);
      return { status: digest === resources[0]?.digest ? "ok" : "changed" };
    }
    const { shards } = await hashShards(absolute, manifest.shardSize ?? Number.NaN);
    const expected = new Map(resources.map((r) => [`${r.start}:${r.end}`, r.digest]));
    const same =
      shards.length === expected.size &&
      shards.every((s) => expected.get(`${s.start}:${s.end}`) === s.digest);
    return { status: same ? "ok" : "changed" };
  } catch (error) {
    throw unreadable(absolute, error);
  }
}

async function isEmptyFile(entry: ModelEntry): Promise<boolean> {
  if (entry.kind !== "file") return false;
  try {
    return (await stat(entry.path)).size === 0;
  } catch {
    return false;
  }
}

function unreadable(path: string, cause: unknown): RampartError {
  return new RampartError("E_IO", `cannot read ${path} to check it against the signature`, {
    hint: "check that you may read every file of the model",
    cause,
  });
}
