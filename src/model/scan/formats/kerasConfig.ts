import type { Severity, ThreatRef } from "../../../core/index.js";
import { readAll } from "../byteSource.js";
import { CODE_EXECUTION, MALFORMED_ARTIFACT, UNSAFE_ARTIFACT } from "../threats.js";
import type { FormatScanner, ScanContext, ScanInput, ScanIssue } from "../types.js";

/**
 * Keras model configs: `config.json` and `metadata.json` inside a `.keras` archive (the zip
 * scanner hands them over), `model.to_json()` files, and the `model_config` /
 * `training_config` attributes of HDF5 models (kerasH5.ts calls analyzeKerasConfig). Source
 * spec: the Keras saving format docs (keras.io/guides/serialization_and_saving: the `.keras`
 * layout; `module`, `class_name`, `config`, `registered_name` of every serialized object) and
 * keras/src/saving/serialization_lib.py (how those keys are resolved back to Python objects,
 * `__lambda__` for marshalled lambdas, BUILTIN_MODULES for `"module": "builtins"` functions).
 *
 * What runs on load: a Lambda layer carries either marshalled Python bytecode (executed as soon
 * as Keras rebuilds the layer: always in Keras 2 and tf.keras before 2.13, CVE-2024-3660, and
 * in Keras 3 with safe_mode=False) or a reference to a function by module and name; `module`
 * keys make Keras import and look up objects, so one outside the Keras packages is custom code
 * and one naming os, subprocess or builtins.eval is an exploit (CVE-2025-1550 used such
 * references); a TFSMLayer loads a whole SavedModel with its own ops.
 *
 * Defaults: the tree is walked iteratively (no recursion on attacker JSON) up to 2 million
 * values; configs over 256 MiB (or the in-memory limit) are not read; Keras packages are
 * keras, keras_nlp, keras_cv, keras_hub, tf_keras and tensorflow.keras; at most 25 issues per
 * rule, the rest counted in the last one.
 */

export type KerasFormat = "keras-config" | "keras-h5";

const MAX_CONFIG_BYTES = 256 * 1024 * 1024;
const MAX_NODES = 2_000_000;
const MAX_ISSUES_PER_RULE = 25;
const MAX_BYTECODE_SAMPLE = 64 * 1024;
const MAX_NAMES = 24;

const KERAS_PACKAGES = [
  "keras",
  "keras_nlp",
  "keras_cv",
  "keras_hub",
  "tf_keras",
  "tensorflow.keras",
];

/** Top-level packages whose objects, referenced from a config, mean code execution. */
const DANGEROUS_MODULES = new Set([
  "os",
  "posix",
  "nt",
  "subprocess",
  "sys",
  "shutil",
  "socket",
  "importlib",
  "runpy",
  "pty",
  "pickle",
  "_pickle",
  "cPickle",
  "dill",
  "cloudpickle",
  "joblib",
  "marshal",
  "code",
  "codeop",
  "ctypes",
  "cffi",
  "webbrowser",
  "urllib",
  "urllib2",
  "urllib3",
  "http",
  "httplib",
  "requests",
  "ftplib",
  "smtplib",
  "telnetlib",
  "multiprocessing",
  "signal",
  "io",
  "_io",
  "pathlib",
  "tempfile",
  "glob",
  "platform",
  "commands",
  "popen2",
  "asyncio",
  "threading",
  "_thread",
  "__builtin__",
]);

/** Python builtins that execute, import or reach arbitrary attributes and files. */
const DANGEROUS_BUILTINS = new Set([
  "eval",
  "exec",
  "compile",
  "open",
  "__import__",
  "getattr",
  "setattr",
  "delattr",
  "globals",
  "locals",
  "vars",
  "input",
  "breakpoint",
  "exit",
  "quit",
  "help",
]);

/** Keras's own functions that a config has no business referencing. */
const DANGEROUS_KERAS_FUNCTIONS = new Map<string, [Severity, string]>([
  [
    "enable_unsafe_deserialization",
    ["critical", "turns safe_mode off, so Lambda bytecode later in the config runs"],
  ],
  ["get_file", ["high", "downloads a URL to a local path while the model loads"]],
  ["load_model", ["high", "loads another model file, which is scanned nowhere"]],
]);

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function inPackages(module: string, packages: readonly string[]): boolean {
  return packages.some((p) => module === p || module.startsWith(`${p}.`));
}

/**
 * Content sniffing: a JSON object whose first key is one Keras writes first (or could be
 * reordered to first), with a Keras key in the head. Extension-free: `.keras` members are
 * handed over by content.
 */
export function looksLikeKerasConfig(head: Uint8Array): boolean {
  let start = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) start = 3;
  const text = new TextDecoder("utf-8").decode(head.subarray(start, Math.min(head.length, 65536)));
  const first = /^\s*\{\s*"([A-Za-z_]+)"\s*:/.exec(text);
  if (first === null) return false;
  const firstKeys = [
    "module",
    "class_name",
    "config",
    "registered_name",
    "build_config",
    "compile_config",
    "keras_version",
    "date_saved",
  ];
  if (!firstKeys.includes(first[1]!)) return false;
  return /"(class_name|keras_version|registered_name)"\s*:/.test(text);
}

/** JSON.parse, accepting the NaN / Infinity tokens Python's json.dumps writes. */
export function parseKerasJson(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch {
    return JSON.parse(replaceNonFinite(body));
  }
}

function replaceNonFinite(text: string): string {
  let out = "";
  let i = 0;
  let from = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
      continue;
    }
    const token = /^-?(NaN|Infinity)/.exec(text.slice(i, i + 9));
    if (token !== null) {
      out += `${text.slice(from, i)}null`;
      i += token[0].length;
      from = i;
      continue;
    }
    i++;
  }
  return out + text.slice(from);
}

/**
 * What a base64 Lambda payload is: a marshalled code object starts with TYPE_CODE ('c', with
 * or without the FLAG_REF bit). The identifiers are the short strings marshal stores for names
 * and constants, found by a heuristic scan: a hint for a reviewer, not a disassembly.
 */
export function peekBytecode(base64: string): Record<string, unknown> {
  const sample = base64.replace(/\s+/g, "").slice(0, MAX_BYTECODE_SAMPLE);
  const bytes = Buffer.from(sample, "base64");
  const isCode = bytes.length > 0 && (bytes[0]! & 0x7f) === 0x63;
  return {
    payload: isCode ? "marshalled Python code object" : "base64 payload, not a code object",
    base64Length: base64.length,
    names: isCode ? marshalNames(bytes) : [],
  };
}

function marshalNames(bytes: Uint8Array): string[] {
  const names = new Set<string>();
  let i = 1;
  while (i < bytes.length && names.size < MAX_NAMES) {
    const type = bytes[i]! & 0x7f;
    let length = -1;
    let start = 0;
    if (type === 0x7a || type === 0x5a) {
      // SHORT_ASCII / SHORT_ASCII_INTERNED: one length byte.
      length = bytes[i + 1] ?? -1;
      start = i + 2;
    } else if (type === 0x61 || type === 0x41 || type === 0x75 || type === 0x74) {
      // ASCII / ASCII_INTERNED / UNICODE / INTERNED: a 4-byte little-endian length.
      if (i + 5 <= bytes.length) {
        length =
          bytes[i + 1]! | (bytes[i + 2]! << 8) | (bytes[i + 3]! << 16) | (bytes[i + 4]! << 24);
        start = i + 5;
      }
    }
    if (length > 0 && length <= 64 && start + length <= bytes.length) {
      const text = String.fromCharCode(...bytes.subarray(start, start + length));
      if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(text)) {
        names.add(text);
        i = start + length;
        continue;
      }
    }
    i++;
  }
  return [...names];
}

interface Frame {
  value: unknown;
  key: string | number;
  parent: Frame | undefined;
  layer: LayerLink | undefined;
}

interface LayerLink {
  name: string;
  parent: LayerLink | undefined;
}

function pathOf(frame: Frame): string {
  const parts: string[] = [];
  for (let f: Frame | undefined = frame; f?.parent !== undefined; f = f.parent) {
    parts.push(
      typeof f.key === "number"
        ? `[${f.key}]`
        : /^[A-Za-z_][A-Za-z0-9_]*$/.test(f.key)
          ? `.${f.key}`
          : `[${JSON.stringify(f.key)}]`,
    );
  }
  return `$${parts.reverse().join("")}`;
}

function layersOf(link: LayerLink | undefined): string {
  const names: string[] = [];
  for (let l = link; l !== undefined; l = l.parent) names.push(l.name);
  return names.reverse().join("/");
}

export interface KerasAnalysisOptions {
  /** Prefix of the rule ids: the format that found the config. */
  format: KerasFormat;
  /** Where the config came from, for evidence: "config.json", "model_config" … */
  origin: string;
  maxNodes?: number;
}

class IssueSink {
  readonly issues: ScanIssue[] = [];
  private readonly perRule = new Map<string, ScanIssue[]>();
  private readonly omitted = new Map<string, number>();

  add(issue: ScanIssue): void {
    const list = this.perRule.get(issue.rule) ?? [];
    this.perRule.set(issue.rule, list);
    if (list.length < MAX_ISSUES_PER_RULE) {
      list.push(issue);
      this.issues.push(issue);
      return;
    }
    const n = (this.omitted.get(issue.rule) ?? 0) + 1;
    this.omitted.set(issue.rule, n);
    list[list.length - 1]!.evidence.moreNotListed = n;
  }
}

/**
 * Walks a parsed Keras config (any version) and returns the issues. Pure and bounded: the walk
 * uses an explicit stack and stops after `maxNodes` objects and arrays with a scan-incomplete
 * issue (scalars cost nothing: only objects can hold a layer or a reference).
 */
export function analyzeKerasConfig(root: unknown, options: KerasAnalysisOptions): ScanIssue[] {
  const { format, origin } = options;
  const maxNodes = options.maxNodes ?? MAX_NODES;
  const sink = new IssueSink();
  const handled = new WeakSet<object>();
  const stack: Frame[] = [{ value: root, key: "$", parent: undefined, layer: undefined }];
  let visited = 0;

  const report = (
    rule: string,
    severity: Severity,
    threats: ThreatRef[],
    title: string,
    reason: string,
    frame: Frame,
    evidence: Json,
  ): void => {
    sink.add({
      rule: `${format}.${rule}`,
      severity,
      title,
      reason,
      evidence: { origin, path: pathOf(frame), layers: layersOf(frame.layer), ...evidence },
      threats,
    });
  };

  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (++visited > maxNodes) {
      sink.add({
        rule: `${format}.scan-incomplete`,
        severity: "medium",
        title: `Config has more than ${maxNodes} values; the rest was not scanned`,
        reason:
          "Real Keras configs are far smaller. A config this large is built to exhaust scanners or to hide a layer past what they read; treat the model as untrusted.",
        evidence: { origin, maxNodes },
        threats: MALFORMED_ARTIFACT,
      });
      break;
    }
    const { value } = frame;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        const child: unknown = value[i];
        if (child !== null && typeof child === "object") {
          stack.push({ value: child, key: i, parent: frame, layer: frame.layer });
        }
      }
      continue;
    }
    if (!isObject(value)) continue;
    let layer = frame.layer;
    const className = str(value.class_name);
    if (className !== undefined) {
      const config = isObject(value.config) ? value.config : undefined;
      const name = str(config?.name) ?? str(value.name);
      if (name !== undefined) layer = { name, parent: layer };
      const here = { ...frame, layer };
      inspectObject(value, className, config, here, report, handled);
    } else {
      inspectFunctionConfig(value, frame, report);
    }
    const entries = Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      if (child !== null && typeof child === "object") {
        stack.push({ value: child, key, parent: frame, layer });
      }
    }
  }
  return sink.issues;
}

type Reporter = (
  rule: string,
  severity: Severity,
  threats: ThreatRef[],
  title: string,
  reason: string,
  frame: Frame,
  evidence: Json,
) => void;

function inspectObject(
  value: Json,
  className: string,
  config: Json | undefined,
  frame: Frame,
  report: Reporter,
  handled: WeakSet<object>,
): void {
  const layerName = str(config?.name) ?? "(unnamed)";
  if (/(^|\.)Lambda$/.test(className)) {
    const fn = describeFunction(config?.function, str(config?.function_type), config, handled);
    const outputShape =
      str(config?.output_shape_type) === "lambda"
        ? describeFunction(config?.output_shape, "lambda", undefined, handled)
        : undefined;
    report(
      "lambda-layer",
      "critical",
      CODE_EXECUTION,
      `Lambda layer "${layerName}" carries ${fn.kind === "bytecode" ? "Python bytecode" : "a Python function reference"}`,
      "Keras rebuilds a Lambda layer by unmarshalling its Python bytecode or importing the function it names, and runs it: always in Keras 2 / tf.keras before 2.13 (CVE-2024-3660), and in Keras 3 whenever safe_mode is off. Do not load this model unless you wrote the Lambda; re-create it with a registered custom layer instead.",
      frame,
      {
        layer: layerName,
        class_name: className,
        function: fn,
        ...(outputShape ? { outputShape } : {}),
      },
    );
  } else if (className === "__lambda__" && !handled.has(value)) {
    const inner = isObject(value.config) ? value.config : {};
    report(
      "lambda-function",
      "critical",
      CODE_EXECUTION,
      "Config carries a marshalled Python lambda",
      "Keras 3 turns a __lambda__ object back into a function by unmarshalling Python bytecode, which runs when the function is called (an activation, a loss…). Do not load this model with safe_mode off; replace the lambda with a registered function.",
      frame,
      { function: lambdaPayload(inner) },
    );
  } else if (className === "TFSMLayer") {
    report(
      "tfsm-layer",
      "high",
      UNSAFE_ARTIFACT,
      `TFSMLayer "${layerName}" loads a TensorFlow SavedModel`,
      "A TFSMLayer loads the SavedModel at its filepath, with whatever ops that graph holds (file, network, Python callbacks), and that SavedModel is not part of this file. Scan the SavedModel it names, and check that the path is the one you expect.",
      frame,
      {
        layer: layerName,
        filepath: str(config?.filepath),
        callEndpoint: str(config?.call_endpoint),
      },
    );
  }
  inspectReference(value, className, frame, report);
}

/** Why referencing `name` from `module` is dangerous, or undefined when it is not. */
function dangerOf(module: string, name: string): [Severity, string] | undefined {
  const root = module.split(".")[0]!;
  if (DANGEROUS_MODULES.has(root)) {
    return ["critical", `imports ${root}, which runs processes, touches files or loads code`];
  }
  if (module === "builtins" || module === "__builtin__") {
    return DANGEROUS_BUILTINS.has(name) ? ["critical", `Python's builtin ${name}`] : undefined;
  }
  return inPackages(module, KERAS_PACKAGES) ? DANGEROUS_KERAS_FUNCTIONS.get(name) : undefined;
}

function reportDanger(
  module: string,
  name: string,
  frame: Frame,
  report: Reporter,
  registered: string | null,
): boolean {
  const danger = dangerOf(module, name);
  if (danger === undefined) return false;
  report(
    "dangerous-reference",
    danger[0],
    CODE_EXECUTION,
    `Config references ${module}.${name}`,
    `Keras resolves this reference when it rebuilds the model, and ${danger[1]}. No legitimate model needs it: this is an exploit pattern (CVE-2025-1550 and its variants). Do not load the model.`,
    frame,
    { module, name, registered_name: registered },
  );
  return true;
}

/**
 * Plain configs that name a function by `function` / `fn` plus `module` (a Keras 2 Lambda's
 * config with function_type "function" is looked up in that module's globals).
 */
function inspectFunctionConfig(value: Json, frame: Frame, report: Reporter): void {
  const module = str(value.module);
  const name = str(value.function) ?? str(value.fn);
  if (module !== undefined && name !== undefined) reportDanger(module, name, frame, report, null);
}

/** `module` / `registered_name` references: what Keras imports to rebuild this object. */
function inspectReference(value: Json, className: string, frame: Frame, report: Reporter): void {
  const module = str(value.module);
  const registered = str(value.registered_name);
  const name = className === "function" ? (str(value.config) ?? className) : className;
  const qualified = module === undefined ? name : `${module}.${name}`;
  if (module !== undefined && reportDanger(module, name, frame, report, registered ?? null)) return;
  const registeredPackage = registered?.includes(">") ? registered.split(">")[0]! : undefined;
  const customModule =
    module !== undefined &&
    module !== "builtins" &&
    module !== "__builtin__" &&
    !inPackages(module, KERAS_PACKAGES);
  const customRegistration =
    registeredPackage !== undefined && !inPackages(registeredPackage, KERAS_PACKAGES);
  if (!customModule && !customRegistration) return;
  report(
    "custom-object",
    "high",
    UNSAFE_ARTIFACT,
    `Config references custom code ${registered ?? qualified}`,
    "This object is not part of Keras: rebuilding it runs the custom class or function from whichever Python package provides that name (and older Keras 3 releases import the module named here). Load the model only with the custom code reviewed and installed from a source you trust.",
    frame,
    { module: module ?? null, class_name: className, registered_name: registered ?? null },
  );
}

function bytecodeOf(value: unknown): Json {
  const code = Array.isArray(value) ? value[0] : value;
  return typeof code === "string"
    ? { kind: "bytecode", ...peekBytecode(code) }
    : { kind: "unknown" };
}

/**
 * A `__lambda__` config: Keras 3's Lambda layer writes {code, defaults, closure};
 * serialization_lib writes {value: [code, defaults, closure]}.
 */
function lambdaPayload(config: Json): Json {
  return bytecodeOf(config.code ?? config.value);
}

/** What a Lambda's `function` (or lambda output_shape) holds, in every Keras version's form. */
function describeFunction(
  fn: unknown,
  functionType: string | undefined,
  config: Json | undefined,
  handled: WeakSet<object>,
): Json & { kind: string } {
  const module = str(config?.module) ?? null;
  if (typeof fn === "string") {
    return functionType === "function"
      ? { kind: "reference", function: fn, module }
      : { kind: "bytecode", ...peekBytecode(fn), module };
  }
  if (Array.isArray(fn)) return { ...bytecodeOf(fn), kind: "bytecode", module };
  if (isObject(fn)) {
    const className = str(fn.class_name);
    if (className === "__lambda__") {
      handled.add(fn);
      return { ...lambdaPayload(isObject(fn.config) ? fn.config : {}), kind: "bytecode" };
    }
    return {
      kind: "reference",
      function: str(fn.config) ?? className ?? null,
      module: str(fn.module) ?? module,
    };
  }
  return { kind: "unknown" };
}

function tooLarge(format: KerasFormat, size: number, limit: number): ScanIssue {
  return {
    rule: `${format}.too-large`,
    severity: "medium",
    title: `Keras config of ${size} bytes exceeds the ${limit}-byte scan limit; not scanned`,
    reason:
      "Real Keras configs are kilobytes to a few megabytes. This one was not scanned, so Lambda layers and custom objects in it are unknown; inspect it by hand before loading the model.",
    evidence: { size, limit },
    threats: MALFORMED_ARTIFACT,
  };
}

export function unparseable(format: KerasFormat, origin: string, error: unknown): ScanIssue {
  return {
    rule: `${format}.unparseable`,
    severity: "medium",
    title: `Keras ${origin} is not valid JSON and could not be scanned`,
    reason:
      "Keras itself fails on this config, so the model is broken or crafted for a different parser than the one that checked it; its layers could not be checked. Get the model again from its source.",
    evidence: { origin, error: String(error).slice(0, 200) },
    threats: MALFORMED_ARTIFACT,
  };
}

export const kerasConfigScanner: FormatScanner = {
  format: "keras-config",
  description:
    "Keras model configs (config.json in .keras, to_json files): Lambda layers, custom and dangerous references, TFSMLayer",
  detect(head) {
    return looksLikeKerasConfig(head);
  },
  async scan(input: ScanInput, ctx: ScanContext): Promise<void> {
    const limit = Math.min(ctx.limits.maxInMemoryBytes, MAX_CONFIG_BYTES);
    const bytes = await readAll(input.source, limit);
    if (bytes === undefined) {
      ctx.report(tooLarge("keras-config", input.source.size, limit));
      return;
    }
    let root: unknown;
    try {
      root = parseKerasJson(new TextDecoder("utf-8").decode(bytes));
    } catch (error) {
      ctx.report(unparseable("keras-config", input.name, error));
      return;
    }
    for (const issue of analyzeKerasConfig(root, { format: "keras-config", origin: input.name })) {
      ctx.report(issue);
    }
  },
};
