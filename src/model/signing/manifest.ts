/**
 * Serialisation of a model into an OMS v1.0 manifest, byte-compatible with the reference
 * `model_signing`:
 *
 * - `files`: one resource per file, `{name: <relative path>, algorithm: "sha256", digest}`; a
 *   single-file model's only resource is named `.`.
 * - `shards`: one resource per `shard_size` slice, named `<path>:<start>:<end>` with algorithm
 *   `sha256-sharded-<shard_size>` (the reference's spelling; the spec's schema says `sha256`).
 *   Default shard size 1 GB. Empty files have no shard.
 *
 * Resources are sorted by path components then offsets (see paths.ts); the root digest (the
 * statement's subject) is SHA-256 over the raw resource digests concatenated in listed order.
 */
import { createHash } from "node:crypto";
import { basename, resolve } from "node:path";
import { RampartError } from "../../core/index.js";
import { DEFAULT_SHARD_SIZE, HASH_CONCURRENCY, HASH_TYPE } from "./constants.js";
import { hashFile, hashShards } from "./hash.js";
import { ignoreNames } from "./paths.js";
import { mapLimit } from "./pool.js";
import { walkModel } from "./walk.js";

export type SerializationMethod = "files" | "shards";

/** The predicate's `serialization` object, in the reference's field names. */
export interface Serialization {
  method: SerializationMethod;
  hash_type: typeof HASH_TYPE;
  allow_symlinks: boolean;
  shard_size?: number;
  ignore_paths?: string[];
}

export interface Resource {
  name: string;
  algorithm: string;
  digest: string;
}

export interface Manifest {
  /** The subject name: the last component of the model path. */
  modelName: string;
  serialization: Serialization;
  resources: Resource[];
  /** Hex SHA-256 over the resource digests, in order. */
  rootDigest: string;
  /** Files hashed (a sharded file counts once). */
  files: number;
}

export interface SerializeOptions {
  /** `files` (default) or `shards`. */
  method?: SerializationMethod;
  /** Bytes per shard for `shards` (default 1 GB). */
  shardSize?: number;
  /** Follow symbolic links to files (default false: a link is an error). */
  allowSymlinks?: boolean;
  /** Paths to leave out, relative to the model root (or absolute inside it). */
  ignorePaths?: readonly string[];
  /** Record `ignore_paths` in the manifest so verifiers skip the same paths (default true). */
  recordIgnorePaths?: boolean;
}

export async function serializeModel(
  modelPath: string,
  options: SerializeOptions = {},
): Promise<Manifest> {
  const root = resolve(modelPath);
  const method = options.method ?? "files";
  const shardSize = options.shardSize ?? DEFAULT_SHARD_SIZE;
  if (method === "shards" && !(Number.isSafeInteger(shardSize) && shardSize > 0)) {
    throw new RampartError("E_USAGE", `the shard size ${shardSize} is not a positive integer`, {
      hint: "give the shard size in bytes, e.g. 1000000000",
    });
  }
  const allowSymlinks = options.allowSymlinks ?? false;
  const ignorePaths = ignoreNames(root, options.ignorePaths ?? []);
  const listing = await walkModel(root, { ignorePaths, allowSymlinks });
  for (const entry of listing.entries) {
    if (entry.kind === "symlink") {
      throw new RampartError("E_USAGE", `${entry.name} in ${root} is a symbolic link`, {
        hint: "Rampart signs regular files only: replace the link by the file, or add it to --ignore-paths",
      });
    }
    if (entry.kind === "other") {
      throw new RampartError("E_USAGE", `${entry.name} in ${root} is not a regular file`, {
        hint: "remove it (fifos, sockets and dangling links cannot be signed), or add it to --ignore-paths",
      });
    }
    if (method === "shards" && entry.name.includes(":")) {
      throw new RampartError("E_USAGE", `${entry.name} has a ":" in its name`, {
        hint: "shard names are path:start:end, so such a file can only be signed without --shard-size",
      });
    }
  }

  const perFile = await mapLimit(listing.entries, HASH_CONCURRENCY, async (entry) => {
    try {
      if (method === "files") {
        const { digest } = await hashFile(entry.path);
        return [{ name: entry.name, algorithm: HASH_TYPE, digest }];
      }
      const { shards } = await hashShards(entry.path, shardSize);
      return shards.map((s) => ({
        name: `${entry.name}:${s.start}:${s.end}`,
        algorithm: `${HASH_TYPE}-sharded-${shardSize}`,
        digest: s.digest,
      }));
    } catch (cause) {
      throw new RampartError("E_IO", `cannot read ${entry.path}`, {
        hint: "check that the file exists and that you may read it",
        cause,
      });
    }
  });
  const resources = perFile.flat();

  const serialization: Serialization = {
    method,
    hash_type: HASH_TYPE,
    allow_symlinks: allowSymlinks,
  };
  if (method === "shards") serialization.shard_size = shardSize;
  if ((options.recordIgnorePaths ?? true) && !listing.singleFile && ignorePaths.length > 0) {
    serialization.ignore_paths = ignorePaths;
  }
  return {
    modelName: basename(root),
    serialization,
    resources,
    rootDigest: rootDigestOf(resources),
    files: listing.entries.length,
  };
}

/** SHA-256 over the raw (binary) resource digests, in the order given. */
export function rootDigestOf(resources: readonly { digest: string }[]): string {
  const hash = createHash("sha256");
  for (const r of resources) hash.update(Buffer.from(r.digest, "hex"));
  return hash.digest("hex");
}
