import { readdirSync, type Stats, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { RampartError } from "../../core/errors.js";
import type { DataFormat } from "./types.js";

export const DATA_FORMATS: readonly DataFormat[] = ["csv", "parquet", "jsonl"];

/** Extensions, longest first so that `.csv.gz` wins over `.gz`. DuckDB reads gzip itself. */
const EXTENSIONS: readonly (readonly [string, DataFormat])[] = [
  [".csv.gz", "csv"],
  [".tsv.gz", "csv"],
  [".txt.gz", "csv"],
  [".jsonl.gz", "jsonl"],
  [".ndjson.gz", "jsonl"],
  [".json.gz", "jsonl"],
  [".csv", "csv"],
  [".tsv", "csv"],
  [".txt", "csv"],
  [".parquet", "parquet"],
  [".pq", "parquet"],
  [".jsonl", "jsonl"],
  [".ndjson", "jsonl"],
  [".json", "jsonl"],
];

export function isDataFormat(value: string): value is DataFormat {
  return (DATA_FORMATS as readonly string[]).includes(value);
}

function formatFromExtension(path: string): DataFormat | undefined {
  const name = basename(path).toLowerCase();
  return EXTENSIONS.find(([ext]) => name.endsWith(ext))?.[1];
}

/** The format a data file's extension names; E_DATA when the extension is not one we read. */
export function detectFormat(path: string): DataFormat {
  const format = formatFromExtension(path);
  if (format === undefined) {
    throw new RampartError("E_DATA", `cannot tell the data format of ${path} from its extension`, {
      hint: "use .csv, .tsv, .parquet, .jsonl or .json, or name the format (--format csv|parquet|jsonl)",
    });
  }
  return format;
}

export function isGzipped(path: string): boolean {
  return path.toLowerCase().endsWith(".gz");
}

export interface InputFile {
  path: string;
  format: DataFormat;
  size: number;
}

/**
 * Resolves the paths a user named into the files to read, in order. A directory stands for the
 * data files directly inside it (not below), sorted by name, hidden files skipped: that makes
 * "a folder of daily drops" read the same way every time.
 */
export function resolveInputs(paths: readonly string[], format?: DataFormat): InputFile[] {
  if (paths.length === 0) {
    throw new RampartError("E_USAGE", "no data file given", {
      hint: "name one or more CSV, Parquet or JSONL files, or a folder of them",
    });
  }
  const files: InputFile[] = [];
  for (const given of paths) {
    const path = resolve(given);
    const stat = statOrThrow(path);
    if (stat.isDirectory()) {
      const inside = readdirSync(path)
        .filter((name) => !name.startsWith("."))
        .sort()
        .map((name) => join(path, name))
        .filter((child) => statSync(child).isFile() && formatFromExtension(child) !== undefined);
      if (inside.length === 0) {
        throw new RampartError("E_DATA", `the folder ${path} holds no data files`, {
          hint: "a folder is read as the .csv/.tsv/.parquet/.jsonl/.json files directly inside it",
        });
      }
      for (const child of inside) {
        files.push({
          path: child,
          format: format ?? detectFormat(child),
          size: statSync(child).size,
        });
      }
    } else if (stat.isFile()) {
      files.push({ path, format: format ?? detectFormat(path), size: stat.size });
    } else {
      throw new RampartError("E_DATA", `${path} is not a regular file`);
    }
  }
  return files;
}

function statOrThrow(path: string): Stats {
  try {
    return statSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new RampartError("E_DATA", `data file not found: ${path}`, {
        hint: "check the path (relative paths are resolved from the current folder)",
        cause,
      });
    }
    throw new RampartError("E_IO", `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
}
