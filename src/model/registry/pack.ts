import { createReadStream, lstatSync, readdirSync, type Stats, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { RampartError } from "../../core/index.js";
import type { ArtifactBlobs } from "./artifactBlobs.js";
import {
  compareNames,
  encodeManifest,
  filesDigest,
  isSafeRelativePath,
  PACK_SCHEMA,
  type PackedFile,
  type PackManifest,
} from "./manifest.js";
import type { ModelFileRecord } from "./types.js";

export interface PackResult {
  manifest: PackManifest;
  /** Digest of the stored manifest blob: where the version lives. */
  blob: string;
  files: ModelFileRecord[];
  /** `filesDigest(files)`. */
  digest: string;
}

export interface PackOptions {
  /** Absolute paths left out, e.g. the signature file inside the model folder. */
  exclude?: readonly string[];
}

/**
 * Copies a model file or folder into the blob store, one blob per file, streamed (never
 * whole in memory), and stores the manifest that lists them. Symbolic links and special
 * files are refused rather than followed or dropped: what is registered must be exactly
 * what the folder holds, and a link could lead outside it.
 */
export async function packArtifact(
  path: string,
  writer: ArtifactBlobs,
  manifestStore: { put(data: Buffer): Promise<{ digest: string }> },
  options: PackOptions = {},
): Promise<PackResult> {
  const root = resolve(path);
  const stats = statOrFail(root);
  const exclude = new Set((options.exclude ?? []).map((p) => resolve(p)));
  let layout: PackManifest["layout"];
  let entries: { name: string; path: string }[];
  if (stats.isFile()) {
    layout = "file";
    entries = [{ name: ".", path: root }];
  } else if (stats.isDirectory()) {
    layout = "folder";
    entries = [];
    walk(root, "", exclude, entries);
    entries.sort((a, b) => compareNames(a.name, b.name));
    if (entries.length === 0) {
      throw new RampartError("E_USAGE", `${path} holds no files to register`, {
        hint: "register a model file, or a folder that contains one",
      });
    }
  } else {
    throw new RampartError("E_USAGE", `${path} is neither a file nor a folder`);
  }

  const files: PackedFile[] = [];
  for (const entry of entries) {
    const stored = await writer.put(createReadStream(entry.path));
    files.push({ name: entry.name, size: stored.size, digest: stored.digest, blob: stored.blob });
  }
  const manifest: PackManifest = {
    schema: PACK_SCHEMA,
    layout,
    root: basename(root),
    encryption: writer.encryption,
    files,
  };
  const { digest: blob } = await manifestStore.put(encodeManifest(manifest));
  const records = files.map(({ name, size, digest }) => ({ name, size, digest }));
  return { manifest, blob, files: records, digest: filesDigest(records) };
}

function walk(
  dir: string,
  prefix: string,
  exclude: ReadonlySet<string>,
  out: { name: string; path: string }[],
): void {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (exclude.has(path)) continue;
    const name = prefix === "" ? entry : `${prefix}/${entry}`;
    if (!isSafeRelativePath(name)) {
      throw new RampartError("E_USAGE", `cannot register a file named "${name}"`, {
        hint: "rename it: file names may not contain backslashes or NUL",
      });
    }
    const stats = lstatSync(path);
    if (stats.isSymbolicLink()) {
      throw new RampartError("E_USAGE", `${path} is a symbolic link`, {
        hint: "copy the model into a folder of regular files first (links could lead outside it)",
      });
    }
    if (stats.isDirectory()) walk(path, name, exclude, out);
    else if (stats.isFile()) out.push({ name, path });
    else throw new RampartError("E_USAGE", `${path} is not a regular file`);
  }
}

function statOrFail(path: string): Stats {
  // The path the user named is followed if it is a link; links inside a folder are not.
  try {
    return statSync(path);
  } catch (cause) {
    throw new RampartError("E_USAGE", `${path} does not exist or cannot be read`, {
      hint: "give the path of a model file or folder",
      cause,
    });
  }
}
