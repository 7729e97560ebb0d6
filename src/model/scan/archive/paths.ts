/**
 * Member-name checks shared by the zip, tar and 7z readers. A name that climbs out of the
 * extraction directory (`../`, `/etc/x`, `C:\x`, `..\x`) writes files outside it when a user or a
 * loader extracts the archive (CWE-22, "zip slip"); Python's tarfile before 3.12 and many
 * hand-written extractors follow such names. NUL and control characters make different
 * readers see different names (C strings stop at NUL).
 */

export type NameProblem =
  | "parent-segment"
  | "absolute"
  | "drive-letter"
  | "backslash"
  | "nul"
  | "control-character"
  | "empty";

export interface NameCheck {
  /** Problems that let an extractor write outside its target directory. */
  traversal: NameProblem[];
  /** Problems that make readers disagree on the name. */
  confusing: NameProblem[];
}

export function checkMemberName(name: string): NameCheck {
  const traversal: NameProblem[] = [];
  const confusing: NameProblem[] = [];
  if (name.length === 0) confusing.push("empty");
  if (name.startsWith("/")) traversal.push("absolute");
  if (/^[A-Za-z]:/.test(name)) traversal.push("drive-letter");
  if (name.includes("\\")) traversal.push("backslash");
  // Windows extractors treat a backslash as a separator, so `..\x` climbs there too.
  if (name.split(/[\\/]/).some((segment) => segment === "..")) traversal.push("parent-segment");
  if (name.includes("\0")) confusing.push("nul");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
  if (/[\u0001-\u001f\u007f]/.test(name)) confusing.push("control-character");
  return { traversal, confusing };
}

/** True when a link target resolved from `memberName` could leave the extraction directory. */
export function linkEscapes(memberName: string, target: string): boolean {
  if (target.startsWith("/") || /^[A-Za-z]:/.test(target) || target.includes("\\")) return true;
  const parts = memberName.split("/").slice(0, -1);
  for (const segment of target.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (parts.length === 0) return true;
      parts.pop();
    } else {
      parts.push(segment);
    }
  }
  return false;
}
