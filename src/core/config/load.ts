import { readFileSync } from "node:fs";
import { isMap, isNode, isPair, isScalar, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { RampartError } from "../errors.js";
import { configSchema, type RampartConfig } from "./schema.js";

export interface ConfigProblem {
  /** Dotted key path, e.g. `ledger.checkpoint.every_entries`; `(root)` for the document. */
  path: string;
  /** 1-based line in the file, when the key could be located. */
  line?: number;
  message: string;
}

/** Reads and validates `rampart.yaml`; throws one RampartError listing every problem. */
export function loadConfigFile(file: string): RampartConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new RampartError("E_CONFIG", `cannot read the configuration file ${file}`, {
      hint: "run `rampart init` to create one, or pass --config PATH",
      cause,
    });
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file = "rampart.yaml"): RampartConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number | undefined): number | undefined =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;

  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({
      path: "(yaml)",
      line: lineAt(e.pos[0]),
      message: e.message.split("\n")[0] ?? e.message,
    }));
    throw configError(file, problems);
  }
  const raw: unknown = doc.toJS() ?? {};
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;

  const problems = result.error.issues.flatMap((issue) => describeIssue(issue, doc, lineAt));
  throw configError(file, problems);
}

type Doc = ReturnType<typeof parseDocument>;

function describeIssue(
  issue: z.core.$ZodIssue,
  doc: Doc,
  lineAt: (offset: number | undefined) => number | undefined,
): ConfigProblem[] {
  const path = issue.path.map((p) => (typeof p === "symbol" ? p.toString() : p));
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      path: formatPath([...path, key]),
      line: lineAt(keyNode(doc, path, key)?.range?.[0]),
      message: `unknown key "${key}"; expected one of: ${knownKeys(path).join(", ") || "(none)"}`,
    }));
  }
  const node = doc.getIn(path, true);
  const where = isNode(node) ? node : keyNode(doc, path.slice(0, -1), path.at(-1));
  const parent = isNode(where) ? where : (doc.getIn(path.slice(0, -1), true) as Node | undefined);
  return [
    {
      path: formatPath(path),
      line: lineAt(parent?.range?.[0] ?? (doc.contents as Node | null)?.range?.[0]),
      message: issue.message.replace(/^Invalid input: /, ""),
    },
  ];
}

function keyNode(doc: Doc, path: (string | number)[], key: unknown): Node | undefined {
  const container = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (!isMap(container)) return undefined;
  for (const item of container.items) {
    if (isPair(item) && isScalar(item.key) && item.key.value === key) return item.key;
  }
  return undefined;
}

function knownKeys(path: (string | number)[]): string[] {
  // Walk the zod object shapes; unwrap defaults/prefaults/optionals to reach the object.
  let schema: unknown = configSchema;
  for (const segment of path) {
    const shape = objectShape(schema);
    schema = shape?.[segment as string];
  }
  return Object.keys(objectShape(schema) ?? {});
}

function objectShape(schema: unknown): Record<string, unknown> | undefined {
  let current = schema as { def?: { innerType?: unknown; shape?: Record<string, unknown> } };
  for (let depth = 0; depth < 8 && current?.def; depth++) {
    if (current.def.shape) return current.def.shape;
    current = current.def.innerType as typeof current;
  }
  return undefined;
}

function formatPath(path: (string | number)[]): string {
  if (path.length === 0) return "(root)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

function configError(file: string, problems: ConfigProblem[]): RampartError {
  const lines = problems.map(
    (p) => `  ${file}${p.line === undefined ? "" : `:${p.line}`}  ${p.path}: ${p.message}`,
  );
  return new RampartError(
    "E_CONFIG",
    `${file} is not a valid Rampart configuration:\n${lines.join("\n")}`,
    {
      hint: "fix the keys listed above; `rampart init --force` writes a fresh commented file",
      details: { file, problems },
    },
  );
}
