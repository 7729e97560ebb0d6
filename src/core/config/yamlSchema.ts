import { isMap, isNode, isPair, isScalar, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { RampartError } from "../errors.js";

/**
 * A YAML file checked against a strict zod schema, with every problem located: the one way
 * Rampart reads the files people write by hand (rampart.yaml, expectations files). One error
 * lists every problem as `file:line  key.path: message`, so a user fixes them in one pass.
 */
export interface YamlProblem {
  /** Dotted key path, e.g. `ledger.checkpoint.every_entries`; `(root)` for the document. */
  path: string;
  /** 1-based line in the file, when the key could be located. */
  line?: number;
  message: string;
}

export interface YamlSchemaOptions {
  file: string;
  /** Completes "<file> is not …": "a valid Rampart configuration". */
  what: string;
  hint: string;
  /**
   * Name the keys the schema knows beside an unknown one. Only for schemas made of objects all
   * the way down: under a record there is nothing to list.
   */
  listKnownKeys?: boolean;
}

export function parseYamlWithSchema<S extends z.ZodType>(
  text: string,
  schema: S,
  options: YamlSchemaOptions,
): z.output<S> {
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
    throw yamlError(options, problems);
  }
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;

  const problems = result.error.issues.flatMap((issue): YamlProblem[] => {
    const path = issue.path.map((p) => (typeof p === "symbol" ? p.toString() : p));
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: formatPath([...path, key]),
        line: lineAt(keyNode(doc, path, key)?.range?.[0]),
        message: options.listKnownKeys
          ? `unknown key "${key}"; expected one of: ${knownKeys(schema, path).join(", ") || "(none)"}`
          : `unknown key "${key}"`,
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
  });
  throw yamlError(options, problems);
}

type Doc = ReturnType<typeof parseDocument>;

function keyNode(doc: Doc, path: (string | number)[], key: unknown): Node | undefined {
  const container = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (!isMap(container)) return undefined;
  for (const item of container.items) {
    if (isPair(item) && isScalar(item.key) && item.key.value === key) return item.key;
  }
  return undefined;
}

function knownKeys(root: z.ZodType, path: (string | number)[]): string[] {
  // Walk the zod object shapes; unwrap defaults/prefaults/optionals to reach the object.
  let schema: unknown = root;
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

function yamlError(options: YamlSchemaOptions, problems: YamlProblem[]): RampartError {
  const { file } = options;
  const lines = problems.map(
    (p) => `  ${file}${p.line === undefined ? "" : `:${p.line}`}  ${p.path}: ${p.message}`,
  );
  return new RampartError("E_CONFIG", `${file} is not ${options.what}:\n${lines.join("\n")}`, {
    hint: options.hint,
    details: { file, problems },
  });
}
