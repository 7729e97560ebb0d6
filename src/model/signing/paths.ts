/**
 * Resource names of the OMS manifest: POSIX paths relative to the model root, `.` for a
 * single-file model, and `path:start:end` for shards.
 *
 * Order: the reference sorts resources as Python sorts `PurePosixPath` keys, that is by the list
 * of path components, each compared by code point, then by shard start and end as integers.
 * "a/b" therefore comes before "a.b" (component "a" < "a.b"), unlike a plain string sort.
 */
import { isAbsolute, relative, resolve, sep } from "node:path";

/** Compares by Unicode code point, as Python compares `str` (JS `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i) ?? 0;
    const cb = b.codePointAt(j) ?? 0;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  // One is a prefix of the other: the shorter sorts first.
  if (i < a.length) return 1;
  return j < b.length ? -1 : 0;
}

/** Python's `PurePosixPath` ordering: component lists compared element by element. */
export function comparePaths(a: string, b: string): number {
  const pa = a.split("/");
  const pb = b.split("/");
  const n = Math.min(pa.length, pb.length);
  for (let k = 0; k < n; k++) {
    const c = compareCodePoints(pa[k] ?? "", pb[k] ?? "");
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

/**
 * Whether a name from a signature is safe to join to the model root: relative, no `.`/`..`
 * or empty components, no NUL. A hostile manifest must not make the verifier read /etc/passwd.
 */
export function isSafeResourcePath(name: string): boolean {
  if (name === ".") return true;
  if (name.length === 0 || name.includes("\0") || name.startsWith("/")) return false;
  return name.split("/").every((part) => part !== "" && part !== "." && part !== "..");
}

/** `p` itself or anything below it, the reference's `Path.is_relative_to`. */
export function isIgnored(name: string, ignorePaths: readonly string[]): boolean {
  return ignorePaths.some((p) => name === p || name.startsWith(`${p}/`));
}

/**
 * An ignore path as a name relative to the model root, or undefined when it points outside the
 * model (and so cannot match anything). Accepts `./x`, `x/`, and absolute paths inside the root.
 */
export function toIgnoreName(root: string, path: string): string | undefined {
  const absolute = isAbsolute(path) ? resolve(path) : resolve(root, path);
  const rel = relative(resolve(root), absolute);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return undefined;
  return rel.split(sep).join("/");
}

/** Normalised, de-duplicated ignore names in manifest order (stable signatures). */
export function ignoreNames(root: string, paths: Iterable<string>): string[] {
  const names = new Set<string>();
  for (const p of paths) {
    const name = toIgnoreName(root, p);
    if (name !== undefined) names.add(name);
  }
  return [...names].sort(comparePaths);
}
