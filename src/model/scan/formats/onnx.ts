import { BudgetError, SourceReader } from "../protobuf/sourceReader.js";
import {
  asInt64,
  fieldEnd,
  MAX_MESSAGE_DEPTH,
  readField,
  WIRE_LEN,
  WIRE_VARINT,
  WireError,
  type WireField,
} from "../protobuf/wireReader.js";
import { MALFORMED_ARTIFACT, UNSAFE_ARTIFACT } from "../threats.js";
import type { FormatScanner, ScanContext, ScanInput, ScanIssue } from "../types.js";

/**
 * ONNX models. Source spec: onnx/onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto, FunctionProto, TrainingInfoProto) and onnx/docs/ExternalData.md (the
 * `external_data` keys `location`, `offset`, `length`, `checksum`; `location` is relative to
 * the model's folder).
 *
 * What runs or is read when a model loads: ops from a domain the runtime does not implement
 * need a custom op library, which is native code; an initializer whose external data location
 * is absolute or climbs out of the model's folder makes the runtime read any file it names.
 * The walk reads headers only: `raw_data` is skipped by offset.
 *
 * Defaults: standard domains are "", ai.onnx, ai.onnx.ml, ai.onnx.preview.training and
 * onnxruntime's built-in com.microsoft domains; nested graphs (If/Loop/Scan bodies, functions,
 * training graphs) are followed iteratively to MAX_MESSAGE_DEPTH; a tensor with more than 64
 * dims is not size-checked; each aggregated issue lists its first 10 examples.
 */

const STANDARD_DOMAINS = new Set([
  "",
  "ai.onnx",
  "ai.onnx.ml",
  "ai.onnx.preview.training",
  "com.microsoft",
  // onnxruntime's own contrib domains (onnxruntime/core/graph/constants.h): built in, no library.
  "com.microsoft.nchwc",
  "com.microsoft.experimental",
  "com.microsoft.dml",
  "com.ms.internal.nhwc",
]);

/** Bits per element of TensorProto.DataType; STRING (8) and UNDEFINED have no fixed size. */
const DATA_TYPE_BITS = new Map<number, number>([
  [1, 32], // FLOAT
  [2, 8], // UINT8
  [3, 8], // INT8
  [4, 16], // UINT16
  [5, 16], // INT16
  [6, 32], // INT32
  [7, 64], // INT64
  [9, 8], // BOOL
  [10, 16], // FLOAT16
  [11, 64], // DOUBLE
  [12, 32], // UINT32
  [13, 64], // UINT64
  [14, 64], // COMPLEX64
  [15, 128], // COMPLEX128
  [16, 16], // BFLOAT16
  [17, 8], // FLOAT8E4M3FN
  [18, 8], // FLOAT8E4M3FNUZ
  [19, 8], // FLOAT8E5M2
  [20, 8], // FLOAT8E5M2FNUZ
  [21, 4], // UINT4
  [22, 4], // INT4
  [23, 4], // FLOAT4E2M1
  [24, 8], // FLOAT8E8M0
  [25, 2], // UINT2
  [26, 2], // INT2
]);

const MAX_DIMS = 64;
const MAX_EXAMPLES = 10;
const MAX_STRING = 4096;
const MAX_IR_VERSION = 12n;

/** ModelProto field number → wire type, for detection. */
const MODEL_FIELDS = new Map<number, number>([
  [1, WIRE_VARINT], // ir_version
  [2, WIRE_LEN], // producer_name
  [3, WIRE_LEN], // producer_version
  [4, WIRE_LEN], // domain
  [5, WIRE_VARINT], // model_version
  [6, WIRE_LEN], // doc_string
  [7, WIRE_LEN], // graph
  [8, WIRE_LEN], // opset_import
  [14, WIRE_LEN], // metadata_props
  [20, WIRE_LEN], // training_info
  [25, WIRE_LEN], // functions
]);

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A name-like string: valid UTF-8 without control characters (doc strings may hold \n\t\r). */
function isTextField(bytes: Uint8Array, allowNewlines: boolean): boolean {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return false;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
  return allowNewlines ? !/[\x00-\x08\x0b\x0c\x0e-\x1f]/.test(text) : !/[\x00-\x1f]/.test(text);
}

/**
 * A ModelProto starts with ir_version (field 1, 1..12), and serializers write fields in number
 * order, so what follows must be ModelProto fields with the right wire types, lengths inside
 * the file, and name strings that are text. A SavedModel also starts with field 1 = 1, but its
 * field 2 is a message (starting with a control byte), where ONNX's is producer_name.
 */
export function looksLikeOnnx(head: Uint8Array, size: number): boolean {
  if (head[0] !== 0x08) return false;
  try {
    const first = readField(head, 0, 0, size);
    if (first.field !== 1 || first.value < 1n || first.value > MAX_IR_VERSION) return false;
    let pos = fieldEnd(first);
    let structural = 0;
    let seen = 0;
    while (pos < size && seen < 16) {
      // Stop at the end of the head: a header cut there says nothing either way.
      if (pos + 15 > head.length && head.length < size) break;
      const f = readField(head, 0, pos, size);
      const expected = MODEL_FIELDS.get(f.field);
      if (expected === undefined) {
        // Newer IR fields are allowed only after the known ones (number order).
        if (f.field < 26 || f.wireType !== WIRE_LEN) return false;
      } else if (expected !== f.wireType) {
        return false;
      }
      if (f.field === 2 || f.field === 3 || f.field === 4 || f.field === 6) {
        if (fieldEnd(f) <= head.length) {
          const text = head.subarray(f.offset, fieldEnd(f));
          if (!isTextField(text, f.field === 6)) return false;
        }
      }
      if (f.field === 2 || f.field === 7 || f.field === 8) structural++;
      seen++;
      pos = fieldEnd(f);
    }
    return structural > 0;
  } catch {
    return false;
  }
}

/** Why an external data location is unsafe; empty when it stays inside the model's folder. */
export function locationProblems(location: string): string[] {
  const problems: string[] = [];
  if (location.includes("\0")) problems.push("contains a NUL byte");
  if (/^[A-Za-z]:/.test(location)) problems.push("Windows drive path");
  if (/^(\\\\|\/\/)/.test(location)) problems.push("UNC or network path");
  else if (/^[\\/]/.test(location)) problems.push("absolute path");
  if (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(location)) problems.push("URL or scheme");
  let depth = 0;
  let parent = false;
  let escapes = false;
  for (const segment of location.split(/[\\/]+/)) {
    // Windows drops trailing dots and spaces, so ".. " and "..." name the parent too.
    if (/^\.\.[. ]*$/.test(segment)) {
      parent = true;
      depth--;
      if (depth < 0) escapes = true;
    } else if (segment !== "" && segment !== ".") {
      depth++;
    }
  }
  if (escapes) problems.push("climbs out of the model's folder");
  else if (parent) problems.push("contains a parent-directory (..) segment");
  return problems;
}

function expectedBytes(dims: readonly bigint[], dataType: number): bigint | undefined {
  const bits = DATA_TYPE_BITS.get(dataType);
  if (bits === undefined) return undefined;
  let count = 1n;
  for (const d of dims) count *= d;
  return (count * BigInt(bits) + 7n) / 8n;
}

interface Aggregate {
  count: number;
  examples: Record<string, unknown>[];
  offset?: number;
}

/** Findings gathered across the walk, reported once per rule and key. */
class Findings {
  private readonly groups = new Map<string, { rule: string; key: string } & Aggregate>();
  readonly localFunctions = new Set<string>();
  readonly customOps = new Map<string, { domain: string; opType: string } & Aggregate>();

  add(rule: string, key: string, example: Record<string, unknown>, offset?: number): void {
    const id = `${rule}\u0000${key}`;
    let group = this.groups.get(id);
    if (group === undefined) {
      group = { rule, key, count: 0, examples: [], offset };
      this.groups.set(id, group);
    }
    group.count++;
    if (group.examples.length < MAX_EXAMPLES) group.examples.push(example);
  }

  addCustomOp(domain: string, opType: string, example: Record<string, unknown>): void {
    const id = `${domain}\u0000${opType}`;
    let group = this.customOps.get(id);
    if (group === undefined) {
      group = { domain, opType, count: 0, examples: [] };
      this.customOps.set(id, group);
    }
    group.count++;
    if (group.examples.length < MAX_EXAMPLES) group.examples.push(example);
  }

  *issues(): Generator<ScanIssue> {
    for (const op of this.customOps.values()) {
      // A node calling a function defined in the model runs that function's nodes (walked
      // themselves), not native code.
      if (this.localFunctions.has(`${op.domain}\u0000${op.opType}`)) continue;
      yield {
        rule: "onnx.custom-op-domain",
        severity: "medium",
        title: `Op ${op.domain}::${op.opType} needs a custom op library (${op.count} node${op.count === 1 ? "" : "s"})`,
        reason:
          "No standard ONNX runtime implements this domain: loading the model requires registering a custom op library, which is native code running in the inference process. Only load it with a library you build or trust, and check the model's provenance.",
        evidence: { domain: op.domain, opType: op.opType, count: op.count, nodes: op.examples },
        threats: UNSAFE_ARTIFACT,
      };
    }
    for (const group of this.groups.values()) yield describe(group);
  }
}

function describe(group: { rule: string; key: string } & Aggregate): ScanIssue {
  const base = {
    offset: group.offset,
    evidence: { ...groupEvidence(group), count: group.count, tensors: group.examples },
  };
  const n = `${group.count} tensor${group.count === 1 ? "" : "s"}`;
  switch (group.rule) {
    case "onnx.external-data-traversal":
      return {
        ...base,
        rule: group.rule,
        severity: "critical",
        title: `External data location "${group.key}" points outside the model's folder (${n})`,
        reason:
          "External tensor data must be a relative path inside the model's folder. This location makes the runtime open another file when the model loads: an arbitrary file read (secrets end up in tensors the model can return). Do not load this model; re-export it with its data files beside it.",
        threats: UNSAFE_ARTIFACT,
      };
    case "onnx.external-data-malformed":
      return {
        ...base,
        rule: group.rule,
        severity: "medium",
        title: `External data entry is malformed: ${group.key} (${n})`,
        reason:
          "The external_data keys do not form a valid reference (a location, and non-negative integer offset and length). Runtimes differ on such entries, which is how a file hides or mislocates weights; re-export the model.",
        threats: MALFORMED_ARTIFACT,
      };
    case "onnx.external-data-size-mismatch":
      return {
        ...base,
        rule: group.rule,
        severity: "medium",
        title: `External data length does not match the tensor's shape and type (${n})`,
        reason:
          "The declared length differs from shape × element size, so the runtime either reads bytes that are not this tensor or rejects the model. Re-export the model and verify its data files.",
        threats: MALFORMED_ARTIFACT,
      };
    case "onnx.raw-data-size-mismatch":
      return {
        ...base,
        rule: group.rule,
        severity: "medium",
        title: `raw_data size does not match the tensor's shape and type (${n})`,
        reason:
          "A tensor whose bytes disagree with its declared shape is malformed: extra bytes can carry a hidden payload, missing ones crash or confuse loaders. Re-export the model from its source.",
        threats: MALFORMED_ARTIFACT,
      };
    default:
      return {
        ...base,
        rule: group.rule,
        severity: "medium",
        title: `Tensor is malformed: ${group.key} (${n})`,
        reason:
          "A tensor declares an impossible shape. Loaders reject it or compute wrong sizes from it; re-export the model from its source.",
        threats: MALFORMED_ARTIFACT,
      };
  }
}

function groupEvidence(group: { rule: string; key: string }): Record<string, unknown> {
  return group.rule === "onnx.external-data-traversal"
    ? { location: group.key, problems: locationProblems(group.key) }
    : { problem: group.key };
}

interface Job {
  kind: "graph" | "function";
  start: number;
  end: number;
  path: string;
  depth: number;
}

class OnnxWalk {
  readonly findings = new Findings();

  constructor(private readonly reader: SourceReader) {}

  async run(report: (issue: ScanIssue) => void): Promise<void> {
    const jobs: Job[] = [];
    // A malformed region ends the walk of that region only: the other graphs are still
    // scanned, then the first error is rethrown for the scanner to report.
    let malformed: WireError | undefined;
    const guard = async (walk: () => Promise<void>): Promise<void> => {
      try {
        await walk();
      } catch (error) {
        if (!(error instanceof WireError)) throw error;
        malformed ??= error;
      }
    };
    await guard(() => this.model(jobs));
    // Iterative: nested graphs are queued, never recursed into, and depth is checked here.
    let deepest: Job | undefined;
    while (jobs.length > 0) {
      const job = jobs.pop()!;
      if (job.depth > MAX_MESSAGE_DEPTH) {
        deepest ??= job;
        continue;
      }
      await guard(() => (job.kind === "graph" ? this.graph(job, jobs) : this.function(job, jobs)));
    }
    if (deepest !== undefined) {
      report({
        rule: "onnx.nesting-too-deep",
        severity: "medium",
        title: `Subgraphs nest deeper than ${MAX_MESSAGE_DEPTH} levels; the deepest were not scanned`,
        reason:
          "Real models nest If/Loop bodies a few levels deep. Nesting this deep is built to exhaust parsers or to hide nodes from scanners; treat the model as untrusted.",
        offset: deepest.start,
        evidence: { path: deepest.path, maxDepth: MAX_MESSAGE_DEPTH },
        threats: MALFORMED_ARTIFACT,
      });
    }
    if (malformed !== undefined) throw malformed;
  }

  /** ModelProto's own fields: queues the graph, functions and training graphs. */
  private async model(jobs: Job[]): Promise<void> {
    let functionIndex = 0;
    let trainingIndex = 0;
    for await (const f of this.reader.fields(0, this.reader.size)) {
      if (f.wireType !== WIRE_LEN) continue;
      if (f.field === 7) {
        jobs.push({ kind: "graph", start: f.offset, end: fieldEnd(f), path: "graph", depth: 1 });
      } else if (f.field === 25) {
        jobs.push({
          kind: "function",
          start: f.offset,
          end: fieldEnd(f),
          path: `functions[${functionIndex++}]`,
          depth: 1,
        });
      } else if (f.field === 20) {
        const path = `training_info[${trainingIndex++}]`;
        for await (const g of this.reader.fields(f.offset, fieldEnd(f))) {
          if (g.wireType !== WIRE_LEN || (g.field !== 1 && g.field !== 2)) continue;
          const name = g.field === 1 ? "initialization" : "algorithm";
          jobs.push({
            kind: "graph",
            start: g.offset,
            end: fieldEnd(g),
            path: `${path}.${name}`,
            depth: 2,
          });
        }
      }
    }
  }

  private async graph(job: Job, jobs: Job[]): Promise<void> {
    let node = 0;
    let initializer = 0;
    let sparse = 0;
    for await (const f of this.reader.fields(job.start, job.end)) {
      if (f.wireType !== WIRE_LEN) continue;
      if (f.field === 1) {
        await this.node(f, `${job.path}.node[${node++}]`, job, jobs);
      } else if (f.field === 5) {
        await this.tensor(f, `${job.path}.initializer[${initializer++}]`);
      } else if (f.field === 15) {
        await this.sparseTensor(f, `${job.path}.sparse_initializer[${sparse++}]`);
      }
    }
  }

  private async function(job: Job, jobs: Job[]): Promise<void> {
    let name = "";
    let domain = "";
    let node = 0;
    for await (const f of this.reader.fields(job.start, job.end)) {
      if (f.wireType !== WIRE_LEN) continue;
      if (f.field === 1) name = (await this.reader.string(f, MAX_STRING)) ?? "";
      else if (f.field === 10) domain = (await this.reader.string(f, MAX_STRING)) ?? "";
      else if (f.field === 7) await this.node(f, `${job.path}.node[${node++}]`, job, jobs);
    }
    this.findings.localFunctions.add(`${domain}\u0000${name}`);
  }

  private async node(field: WireField, path: string, job: Job, jobs: Job[]): Promise<void> {
    let name = "";
    let opType = "";
    let domain = "";
    const subgraphs: { attribute: string; start: number; end: number; index?: number }[] = [];
    for await (const f of this.reader.fields(field.offset, fieldEnd(field))) {
      if (f.wireType !== WIRE_LEN) continue;
      if (f.field === 3) name = (await this.reader.string(f, MAX_STRING)) ?? "";
      else if (f.field === 4) opType = (await this.reader.string(f, MAX_STRING)) ?? "";
      else if (f.field === 7) domain = (await this.reader.string(f, MAX_STRING)) ?? "";
      else if (f.field === 5) await this.attribute(f, `${path}.attribute`, subgraphs);
    }
    if (!STANDARD_DOMAINS.has(domain)) {
      this.findings.addCustomOp(domain, opType, { node: name, path });
    }
    const label = name === "" ? path : `${job.path}/${name}`;
    for (const g of subgraphs) {
      const suffix = g.index === undefined ? "" : `[${g.index}]`;
      jobs.push({
        kind: "graph",
        start: g.start,
        end: g.end,
        path: `${label}.${g.attribute}${suffix}`,
        depth: job.depth + 1,
      });
    }
  }

  private async attribute(
    field: WireField,
    path: string,
    subgraphs: { attribute: string; start: number; end: number; index?: number }[],
  ): Promise<void> {
    let name = "";
    const found: { start: number; end: number; index?: number }[] = [];
    let graphs = 0;
    let tensors = 0;
    for await (const f of this.reader.fields(field.offset, fieldEnd(field))) {
      if (f.wireType !== WIRE_LEN) continue;
      switch (f.field) {
        case 1:
          name = (await this.reader.string(f, MAX_STRING)) ?? "";
          break;
        case 6: // g
          found.push({ start: f.offset, end: fieldEnd(f) });
          break;
        case 11: // graphs
          found.push({ start: f.offset, end: fieldEnd(f), index: graphs++ });
          break;
        case 5: // t
        case 10: // tensors
          await this.tensor(f, `${path}.${f.field === 5 ? "t" : `tensors[${tensors++}]`}`);
          break;
        case 22: // sparse_tensor
        case 23: // sparse_tensors
          await this.sparseTensor(f, `${path}.sparse`);
          break;
      }
    }
    for (const g of found) subgraphs.push({ attribute: name || "attribute", ...g });
  }

  private async sparseTensor(field: WireField, path: string): Promise<void> {
    for await (const f of this.reader.fields(field.offset, fieldEnd(field))) {
      if (f.wireType !== WIRE_LEN) continue;
      if (f.field === 1) await this.tensor(f, `${path}.values`);
      else if (f.field === 2) await this.tensor(f, `${path}.indices`);
    }
  }

  private async tensor(field: WireField, path: string): Promise<void> {
    let name = "";
    let dataType = 0;
    let dims: bigint[] | undefined = [];
    let rawLength: number | undefined;
    let dataLocation = 0;
    const external: [string, string][] = [];
    for await (const f of this.reader.fields(field.offset, fieldEnd(field))) {
      switch (f.field) {
        case 1: // dims, packed or not
          if (f.wireType === WIRE_VARINT) {
            if (dims !== undefined) dims.push(asInt64(f.value));
          } else if (f.wireType === WIRE_LEN) {
            const packed = await this.reader.packedVarints(f, MAX_DIMS);
            dims =
              packed === undefined || dims === undefined
                ? undefined
                : dims.concat(packed.map(asInt64));
          }
          if (dims !== undefined && dims.length > MAX_DIMS) dims = undefined;
          break;
        case 2:
          if (f.wireType === WIRE_VARINT) dataType = Number(BigInt.asIntN(32, f.value));
          break;
        case 8:
          name = (await this.reader.string(f, MAX_STRING)) ?? "";
          break;
        case 9:
          if (f.wireType === WIRE_LEN) rawLength = f.length;
          break;
        case 13:
          if (f.wireType === WIRE_LEN) external.push(await this.entry(f));
          break;
        case 14:
          if (f.wireType === WIRE_VARINT) dataLocation = Number(f.value & 0xffn);
          break;
      }
    }
    const label = name === "" ? path : name;
    const offset = field.offset;
    if (dims?.some((d) => d < 0n)) {
      this.findings.add(
        "onnx.tensor-malformed",
        "negative dimension",
        { tensor: label, dims: dims.map(String) },
        offset,
      );
      return;
    }
    const expected = dims === undefined ? undefined : expectedBytes(dims, dataType);
    if (external.length > 0 || dataLocation === 1) {
      this.externalData(label, external, expected, offset);
    } else if (
      rawLength !== undefined &&
      expected !== undefined &&
      BigInt(rawLength) !== expected
    ) {
      this.findings.add(
        "onnx.raw-data-size-mismatch",
        "raw_data size",
        { tensor: label, expectedBytes: Number(expected), rawDataBytes: rawLength },
        offset,
      );
    }
  }

  private async entry(field: WireField): Promise<[string, string]> {
    let key = "";
    let value = "";
    for await (const f of this.reader.fields(field.offset, fieldEnd(field))) {
      if (f.wireType !== WIRE_LEN) continue;
      if (f.field === 1) key = (await this.reader.string(f, MAX_STRING)) ?? "";
      else if (f.field === 2) value = (await this.reader.string(f, MAX_STRING)) ?? "";
    }
    return [key, value];
  }

  private externalData(
    tensor: string,
    entries: readonly [string, string][],
    expected: bigint | undefined,
    offset: number,
  ): void {
    const values = new Map(entries);
    const location = values.get("location");
    if (location === undefined || location === "") {
      this.findings.add("onnx.external-data-malformed", "no location", { tensor }, offset);
      return;
    }
    if (locationProblems(location).length > 0) {
      this.findings.add("onnx.external-data-traversal", location, { tensor }, offset);
    }
    const numbers: Record<string, bigint> = {};
    for (const key of ["offset", "length"]) {
      const text = values.get(key);
      if (text === undefined) continue;
      if (!/^\d+$/.test(text.trim())) {
        this.findings.add(
          "onnx.external-data-malformed",
          `${key} is not a non-negative integer`,
          { tensor, location, [key]: text },
          offset,
        );
        return;
      }
      numbers[key] = BigInt(text.trim());
    }
    const length = numbers.length;
    if (length !== undefined && expected !== undefined && length !== expected) {
      this.findings.add(
        "onnx.external-data-size-mismatch",
        "length",
        { tensor, location, length: length.toString(), expectedBytes: expected.toString() },
        offset,
      );
    }
  }
}

export const onnxScanner: FormatScanner = {
  format: "onnx",
  description:
    "ONNX models: custom-domain ops (native op libraries), external data paths, tensor sizes",
  detect(head, input) {
    return looksLikeOnnx(head, input.size);
  },
  async scan(input: ScanInput, ctx: ScanContext): Promise<void> {
    const walk = new OnnxWalk(new SourceReader(input.source));
    try {
      await walk.run((issue) => ctx.report(issue));
    } catch (error) {
      if (error instanceof BudgetError) {
        ctx.report({
          rule: "onnx.scan-incomplete",
          severity: "medium",
          title:
            "The model has more protobuf fields than the scan budget; the rest was not scanned",
          reason:
            "Real models stay far below this budget (tensor data is skipped, not counted). A file this dense is built to be slow to parse or to hide content past what a scanner reads; treat it as untrusted.",
          evidence: { budget: error.budget },
          threats: MALFORMED_ARTIFACT,
        });
      } else if (error instanceof WireError) {
        ctx.report({
          rule: "onnx.malformed",
          severity: "medium",
          title: "The model is not a well-formed ONNX protobuf",
          reason:
            "Parsing stopped at a malformed field: loaders reject or misread such a file, and content past this point was not scanned. Re-export the model from its source.",
          offset: error.offset,
          evidence: { error: error.message },
          threats: MALFORMED_ARTIFACT,
        });
      } else {
        throw error;
      }
    }
    for (const issue of walk.findings.issues()) ctx.report(issue);
  },
};
