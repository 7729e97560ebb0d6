/**
 * Lists the files of a model, the way the reference `model_signing` serialises one (OMS v1.0):
 * a folder is walked recursively, every regular file becomes one entry named by its path relative
 * to the root (with `/`); a single file is one entry named `.`. Ignored paths (and everything below
 * them) are skipped without being opened. Empty folders contribute nothing.
 *
 * Symbolic links are reported, not followed, unless the manifest allows them
 * (`allow_symlinks`, false by default): Rampart signs regular files only.
 */
import type { Dirent } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { RampartError } from "../../core/index.js";
import { comparePaths, isIgnored } from "./paths.js";

/** `file`: hash it. `symlink`: a link the manifest does not allow. `other`: fifo, socket, dangling link… */
export type EntryKind = "file" | "symlink" | "other";

export interface ModelEntry {
  /** Manifest name: relative POSIX path, or `.` for a single-file model. */
  name: string;
  /** Absolute path on disk. */
  path: string;
  kind: EntryKind;
}

export interface ModelListing {
  /** The model is one file (its only entry is named `.`). */
  singleFile: boolean;
  /** Sorted in manifest order. */
  entries: ModelEntry[];
}

export interface WalkOptions {
  ignorePaths: readonly string[];
  allowSymlinks: boolean;
}

export async function walkModel(root: string, options: WalkOptions): Promise<ModelListing> {
  let rootStat: Awaited<ReturnType<typeof stat>>;
  try {
    rootStat = await stat(root);
  } catch (cause) {
    throw new RampartError("E_USAGE", `there is no model at ${root}`, {
      hint: "pass the model's folder, or its file for a single-file model",
      cause,
    });
  }
  if (rootStat.isFile()) {
    return { singleFile: true, entries: [{ name: ".", path: root, kind: "file" }] };
  }
  if (!rootStat.isDirectory()) {
    throw new RampartError("E_USAGE", `${root} is neither a file nor a folder`, {
      hint: "pass the model's folder, or its file for a single-file model",
    });
  }
  const entries: ModelEntry[] = [];
  await walkFolder(root, "", options, entries);
  entries.sort((a, b) => comparePaths(a.name, b.name));
  return { singleFile: false, entries };
}

async function walkFolder(
  folder: string,
  prefix: string,
  options: WalkOptions,
  out: ModelEntry[],
): Promise<void> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(folder, { withFileTypes: true });
  } catch (cause) {
    throw new RampartError("E_IO", `cannot list the folder ${folder}`, {
      hint: "check that it exists and that you may read it",
      cause,
    });
  }
  for (const dirent of dirents) {
    const name = prefix === "" ? dirent.name : `${prefix}/${dirent.name}`;
    if (isIgnored(name, options.ignorePaths)) continue;
    const path = join(folder, dirent.name);
    if (dirent.isDirectory()) {
      await walkFolder(path, name, options, out);
    } else if (dirent.isFile()) {
      out.push({ name, path, kind: "file" });
    } else if (dirent.isSymbolicLink()) {
      out.push({ name, path, kind: options.allowSymlinks ? await linkTarget(path) : "symlink" });
    } else {
      out.push({ name, path, kind: "other" });
    }
  }
}

/** An allowed link counts as the file it points to; a link to a folder or nowhere does not. */
async function linkTarget(path: string): Promise<EntryKind> {
  try {
    return (await stat(path)).isFile() ? "file" : "other";
  } catch {
    return "other";
  }
}
