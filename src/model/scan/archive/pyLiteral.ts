/**
 * A strict parser for the Python literals a .npy header holds (NEP 1: "a Python literal
 * expression of a dictionary", which numpy reads with ast.literal_eval): dicts, tuples, lists,
 * str, int (with the Python 2 `L` suffix numpy still filters), True, False, None. Nothing is
 * evaluated; anything else is an error. Depth and length are bounded.
 */

export type PyLiteral =
  | { type: "dict"; entries: [PyLiteral, PyLiteral][] }
  | { type: "tuple" | "list"; items: PyLiteral[] }
  | { type: "str"; value: string }
  | { type: "int"; value: bigint }
  | { type: "bool"; value: boolean }
  | { type: "none" };

export class LiteralError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at character ${position}`);
    this.name = "LiteralError";
  }
}

const MAX_DEPTH = 32;

export function parsePyLiteral(text: string): PyLiteral {
  let i = 0;
  const fail = (message: string): never => {
    throw new LiteralError(message, i);
  };
  const skipSpace = () => {
    while (i < text.length && /[ \t\r\n]/.test(text[i]!)) i++;
  };
  const value = (depth: number): PyLiteral => {
    if (depth > MAX_DEPTH) fail("nested too deeply");
    skipSpace();
    const c = text[i];
    if (c === undefined) return fail("unexpected end");
    if (c === "{") return dict(depth);
    if (c === "(") return sequence(depth, "tuple", ")");
    if (c === "[") return sequence(depth, "list", "]");
    if (c === "'" || c === '"') return { type: "str", value: string() };
    if (/[-+0-9]/.test(c)) return integer();
    for (const [word, literal] of [
      ["True", { type: "bool", value: true }],
      ["False", { type: "bool", value: false }],
      ["None", { type: "none" }],
    ] as const) {
      if (text.startsWith(word, i) && !/[A-Za-z0-9_]/.test(text[i + word.length] ?? "")) {
        i += word.length;
        return literal;
      }
    }
    return fail(`unexpected ${JSON.stringify(c)}`);
  };
  const dict = (depth: number): PyLiteral => {
    i++;
    const entries: [PyLiteral, PyLiteral][] = [];
    for (;;) {
      skipSpace();
      if (text[i] === "}") {
        i++;
        return { type: "dict", entries };
      }
      const key = value(depth + 1);
      skipSpace();
      if (text[i] !== ":") fail("expected ':'");
      i++;
      entries.push([key, value(depth + 1)]);
      skipSpace();
      if (text[i] === ",") i++;
      else if (text[i] !== "}") fail("expected ',' or '}'");
    }
  };
  const sequence = (depth: number, type: "tuple" | "list", close: string): PyLiteral => {
    i++;
    const items: PyLiteral[] = [];
    let comma = false;
    for (;;) {
      skipSpace();
      if (text[i] === close) {
        i++;
        // `(x)` is x itself in Python; only `(x,)` is a one-element tuple.
        if (type === "tuple" && items.length === 1 && !comma) return items[0]!;
        return { type, items };
      }
      items.push(value(depth + 1));
      skipSpace();
      comma = false;
      if (text[i] === ",") {
        comma = true;
        i++;
      } else if (text[i] !== close) fail(`expected ',' or '${close}'`);
    }
  };
  const string = (): string => {
    const quote = text[i]!;
    i++;
    let out = "";
    for (;;) {
      const c = text[i];
      if (c === undefined || c === "\n") return fail("unterminated string");
      i++;
      if (c === quote) return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = text[i++];
      const simple: Record<string, string> = {
        n: "\n",
        t: "\t",
        r: "\r",
        "0": "\0",
        "\\": "\\",
        "'": "'",
        '"': '"',
      };
      if (e !== undefined && e in simple) out += simple[e];
      else if (e === "x" && /^[0-9a-fA-F]{2}$/.test(text.slice(i, i + 2))) {
        out += String.fromCharCode(Number.parseInt(text.slice(i, i + 2), 16));
        i += 2;
      } else fail("unsupported escape");
    }
  };
  const integer = (): PyLiteral => {
    const match = /^[-+]?[0-9]+L?/.exec(text.slice(i, i + 64));
    if (match === null) return fail("bad number");
    i += match[0].length;
    if (/[.eEjJ]/.test(text[i] ?? "")) fail("only integers are accepted");
    return { type: "int", value: BigInt(match[0].replace(/L$/, "")) };
  };
  const result = value(0);
  skipSpace();
  if (i !== text.length) fail("trailing characters");
  return result;
}

/** Python-style text of a literal, for evidence (`'<f8'`, `[('a', '|O')]`, `(3,)`). */
export function formatLiteral(value: PyLiteral): string {
  switch (value.type) {
    case "str":
      return `'${value.value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
    case "int":
      return value.value.toString();
    case "bool":
      return value.value ? "True" : "False";
    case "none":
      return "None";
    case "list":
      return `[${value.items.map(formatLiteral).join(", ")}]`;
    case "tuple":
      return value.items.length === 1
        ? `(${formatLiteral(value.items[0]!)},)`
        : `(${value.items.map(formatLiteral).join(", ")})`;
    case "dict":
      return `{${value.entries.map(([k, v]) => `${formatLiteral(k)}: ${formatLiteral(v)}`).join(", ")}}`;
  }
}
