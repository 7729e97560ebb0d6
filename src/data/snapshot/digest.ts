import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { dirname, relative, sep } from "node:path";
import { canonicalBytes, RampartError, sha256Hex } from "../../core/index.js";

/**
 * Digests of a snapshot's files.
 *
 * File digest: SHA-256 of the bytes, streamed (a data file may not fit in memory).
 * Root digest: SHA-256 of the RFC 8785 canonical JSON of the list of { name, sha256 } for
 * every file, sorted by name (UTF-16 code units, as canonical JSON sorts keys), e.g.
 *   [{"name":"a.csv","sha256":"…"},{"name":"b.csv","sha256":"…"}]
 * so it names the content and the layout, and does not depend on the order files were given
 * in, the folder they sit in, or their timestamps.
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    stream.on("data", (chunk) => hash.update(chunk));
    stream.on("error", reject);
    stream.on("end", () => resolve());
  });
  return hash.digest("hex");
}

export function rootDigest(files: readonly { name: string; sha256: string }[]): string {
  const entries = files
    .map((f) => ({ name: f.name, sha256: f.sha256 }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < entries.length; i++) {
    if (entries[i]?.name === entries[i - 1]?.name) {
      throw new RampartError(
        "E_USAGE",
        `two files of the snapshot are both named ${entries[i]?.name}`,
      );
    }
  }
  return sha256Hex(canonicalBytes(entries));
}

/**
 * Names of absolute paths relative to their deepest common folder, `/`-separated: one file
 * is its base name; `d/a/x.csv` and `d/b/x.csv` are `a/x.csv` and `b/x.csv`.
 */
export function relativeNames(paths: readonly string[]): string[] {
  if (paths.length === 0) return [];
  let base = dirname(paths[0] as string);
  for (const p of paths) {
    while (!isInside(p, base)) {
      const up = dirname(base);
      if (up === base) break;
      base = up;
    }
  }
  return paths.map((p) => relative(base, p).split(sep).join("/"));
}

function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel !== "" && !rel.startsWith("..") && !rel.startsWith(sep);
}
