import type { Severity, ThreatRef } from "../../../core/index.js";
import { BudgetError, SourceReader } from "../protobuf/sourceReader.js";
import {
  fieldEnd,
  readField,
  WIRE_LEN,
  WIRE_VARINT,
  WireError,
  type WireField,
} from "../protobuf/wireReader.js";
import { CODE_EXECUTION, MALFORMED_ARTIFACT, UNSAFE_ARTIFACT } from "../threats.js";
import type { FormatScanner, ScanContext, ScanInput, ScanIssue } from "../types.js";

/**
 * TensorFlow SavedModel graphs (`saved_model.pb`). Source spec: tensorflow/core/protobuf/
 * saved_model.proto (SavedModel: 1 schema version, 2 meta_graphs), meta_graph.proto
 * (MetaGraphDef: 1 meta_info_def, 2 graph_def), core/framework/graph.proto (GraphDef: 1 node,
 * 2 library), node_def.proto (NodeDef: 1 name, 2 op, 5 attr), function.proto
 * (FunctionDefLibrary: 1 function; FunctionDef: 1 signature, 3 node_def), attr_value.proto,
 * and the op registry (tensorflow/core/ops/*.cc) for what each op below does when it runs.
 *
 * A SavedModel is a program: loading it and calling a signature runs its graph, so the ops in
 * the graph and in every library function are what the model can do. OP_RULES is the data
 * list of ops worth a finding, each with its reason. SaveV2, RestoreV2 and MergeV2Checkpoints
 * are in every SavedModel's saver subgraph, so they are reported at info only.
 *
 * Defaults: up to 10 example nodes per op; string attributes read up to 4 KiB, 16 values.
 * Variables (`variables/`) are checkpoint shards, not this file, and are not read.
 */

interface OpRule {
  rule: string;
  severity: Severity;
  reason: string;
  threats: ThreatRef[];
  /** String attributes worth showing as evidence (token, debug_urls, paths). */
  attrs?: readonly string[];
  /** Severity from the attributes; undefined when this node is harmless. */
  judge?(attrs: ReadonlyMap<string, readonly string[]>): Severity | undefined;
}

const PYTHON: Omit<OpRule, "reason"> = {
  rule: "tf-savedmodel.python-op",
  severity: "critical",
  threats: CODE_EXECUTION,
  attrs: ["token"],
};
const PYTHON_REASON =
  "Calls back into the Python interpreter: running the graph runs whatever Python function the loading process registered under this token. A shipped model has no business doing this; rebuild it without tf.py_function / tf.numpy_function, and do not serve this one.";

const FILE_READ: Omit<OpRule, "reason"> = {
  rule: "tf-savedmodel.file-read",
  severity: "medium",
  threats: UNSAFE_ARTIFACT,
};
const NETWORK: Omit<OpRule, "reason"> = {
  rule: "tf-savedmodel.network-op",
  severity: "medium",
  threats: UNSAFE_ARTIFACT,
};
const CHECKPOINT: Omit<OpRule, "reason"> = {
  rule: "tf-savedmodel.checkpoint-op",
  severity: "info",
  threats: UNSAFE_ARTIFACT,
};
const CHECKPOINT_REASON =
  "Checkpoint save/restore op. Every SavedModel's saver subgraph has these; listed for completeness.";
const DEBUG: Omit<OpRule, "reason"> = {
  rule: "tf-savedmodel.debug-op",
  severity: "medium",
  threats: UNSAFE_ARTIFACT,
  attrs: ["debug_urls"],
};
const DEBUG_REASON =
  "tfdbg instrumentation: when the graph runs it sends tensors to its debug_urls (grpc:// to another host, file:// to disk). Debug ops never belong in a shipped model; re-export it without tfdbg.";

const READER_REASON =
  "Reads files named by a tensor when the graph runs. A serving graph normally reads nothing from disk; check where the file names come from.";
const DATASET_REASON =
  "A tf.data source that opens files (or a database) when the graph runs. Expected in an input pipeline, not in a serving model; check the paths.";

export const OP_RULES: ReadonlyMap<string, OpRule> = new Map<string, OpRule>([
  ["PyFunc", { ...PYTHON, reason: PYTHON_REASON }],
  ["PyFuncStateless", { ...PYTHON, reason: PYTHON_REASON }],
  ["EagerPyFunc", { ...PYTHON, reason: PYTHON_REASON }],
  [
    "WriteFile",
    {
      rule: "tf-savedmodel.file-write",
      severity: "high",
      threats: UNSAFE_ARTIFACT,
      reason:
        "Writes a tensor's bytes to a path when the graph runs: a model can drop or overwrite files on the serving host. Do not serve it; find out why the graph writes files.",
    },
  ],
  ...["CreateSummaryFileWriter", "CreateSummaryDbWriter"].map((op): [string, OpRule] => [
    op,
    {
      rule: "tf-savedmodel.file-write",
      severity: "medium",
      threats: UNSAFE_ARTIFACT,
      reason:
        "Creates a summary writer that writes event files (or a SQLite database) to a path when the graph runs. Training-time logging has no place in a serving graph.",
    },
  ]),
  ...["DatasetToTFRecord", "ExperimentalDatasetToTFRecord", "SaveDataset", "SaveDatasetV2"].map(
    (op): [string, OpRule] => [
      op,
      {
        rule: "tf-savedmodel.file-write",
        severity: "medium",
        threats: UNSAFE_ARTIFACT,
        reason:
          "Writes a dataset to files when the graph runs. A serving graph writes nothing to disk; check the destination.",
      },
    ],
  ),
  ["ReadFile", { ...FILE_READ, reason: READER_REASON }],
  ...[
    "WholeFileReader",
    "WholeFileReaderV2",
    "TextLineReader",
    "TextLineReaderV2",
    "FixedLengthRecordReader",
    "FixedLengthRecordReaderV2",
    "TFRecordReader",
    "TFRecordReaderV2",
    "LMDBReader",
  ].map((op): [string, OpRule] => [op, { ...FILE_READ, reason: READER_REASON }]),
  ...[
    "TFRecordDataset",
    "TFRecordDatasetV2",
    "TextLineDataset",
    "FixedLengthRecordDataset",
    "FixedLengthRecordDatasetV2",
    "CSVDataset",
    "CSVDatasetV2",
    "ExperimentalCSVDataset",
    "LMDBDataset",
    "ExperimentalLMDBDataset",
    "SqlDataset",
    "ExperimentalSqlDataset",
    "LoadDataset",
    "SnapshotDataset",
    "SnapshotDatasetV2",
  ].map((op): [string, OpRule] => [op, { ...FILE_READ, reason: DATASET_REASON }]),
  [
    "ImmutableConst",
    {
      ...FILE_READ,
      attrs: ["memory_region_name"],
      reason:
        "Memory-maps the file named in memory_region_name as a constant tensor: the model's values come from a file on the serving host, not from the model. Check the path.",
    },
  ],
  [
    "LoadAndRemapMatrix",
    {
      ...FILE_READ,
      reason:
        "Loads a matrix from the checkpoint path given as input when the graph runs: values come from a file outside the model. Check where the path comes from.",
    },
  ],
  [
    "FileSystemSetConfiguration",
    {
      ...FILE_READ,
      reason:
        "Changes TensorFlow filesystem settings (cloud storage endpoints, credentials) when the graph runs. A serving graph has no reason to do this.",
    },
  ],
  ...["MatchingFiles", "MatchingFilesDataset"].map((op): [string, OpRule] => [
    op,
    {
      rule: "tf-savedmodel.file-list",
      severity: "low",
      threats: UNSAFE_ARTIFACT,
      reason:
        "Lists files matching a glob when the graph runs (reconnaissance of the serving host's filesystem if the pattern is not the model's own).",
    },
  ]),
  ...["InitializeTableFromTextFile", "InitializeTableFromTextFileV2"].map(
    (op): [string, OpRule] => [
      op,
      {
        rule: "tf-savedmodel.file-read",
        severity: "low",
        threats: UNSAFE_ARTIFACT,
        reason:
          "Initialises a lookup table from a text file, normally a vocabulary shipped in assets/. Check that the path is the model's own asset.",
      },
    ],
  ),
  ...[
    "SaveV2",
    "RestoreV2",
    "MergeV2Checkpoints",
    "Save",
    "SaveSlices",
    "Restore",
    "RestoreSlice",
  ].map((op): [string, OpRule] => [op, { ...CHECKPOINT, reason: CHECKPOINT_REASON }]),
  ...[
    "DebugIdentity",
    "DebugIdentityV2",
    "DebugIdentityV3",
    "DebugNanCount",
    "DebugNumericSummary",
    "DebugNumericSummaryV2",
  ].map((op): [string, OpRule] => [op, { ...DEBUG, reason: DEBUG_REASON }]),
  [
    "PrintV2",
    {
      rule: "tf-savedmodel.print-to-file",
      severity: "medium",
      threats: UNSAFE_ARTIFACT,
      attrs: ["output_stream"],
      reason:
        "Prints tensors to a file named in output_stream when the graph runs: the model writes (possibly sensitive inputs) to disk on the serving host.",
      judge: (attrs) =>
        attrs.get("output_stream")?.[0]?.startsWith("file://") ? "medium" : undefined,
    },
  ],
  ...[
    "Rpc",
    "TryRpc",
    "RpcClient",
    "RpcCall",
    "RpcServer",
    "RpcServerStart",
    "RpcServerRegister",
  ].map((op): [string, OpRule] => [
    op,
    {
      ...NETWORK,
      reason:
        "Makes or serves RPCs when the graph runs: the model talks to the network by itself (exfiltration, remote control). A serving graph has no reason to; do not serve it until you know why.",
    },
  ]),
]);

const MAX_EXAMPLES = 10;
const MAX_ATTR_STRING = 4096;
const MAX_ATTR_VALUES = 16;

/** MetaInfoDef fields (1..6 strings/messages, 8 map) and GraphDef fields (1, 2, 4, 5). */
const META_INFO_FIELDS = new Set([1, 2, 3, 4, 5, 6, 8]);
const GRAPH_DEF_FIELDS = new Set([1, 2, 4, 5]);

/**
 * A SavedModel starts with schema version 1 (field 1) and a MetaGraphDef (field 2). By name
 * (`saved_model.pb`) that is enough; by content alone, the meta graph must also open with a
 * MetaInfoDef or GraphDef whose first field is one of theirs.
 */
export function looksLikeSavedModel(head: Uint8Array, size: number, name: string): boolean {
  const byName = name === "saved_model.pb";
  try {
    let pos = 0;
    if (head[0] === 0x08) {
      const version = readField(head, 0, 0, size);
      if (version.field !== 1 || version.wireType !== WIRE_VARINT || version.value > 2n) {
        return false;
      }
      if (!byName && version.value !== 1n) return false;
      pos = fieldEnd(version);
    } else if (!byName) {
      return false;
    }
    const meta = readField(head, 0, pos, size);
    if (meta.field !== 2 || meta.wireType !== WIRE_LEN) return false;
    if (byName) return true;
    const inner = readField(head, 0, meta.offset, fieldEnd(meta));
    if (inner.wireType !== WIRE_LEN || (inner.field !== 1 && inner.field !== 2)) return false;
    if (inner.length === 0) return false;
    const first = readField(head, 0, inner.offset, fieldEnd(inner));
    const allowed = inner.field === 1 ? META_INFO_FIELDS : GRAPH_DEF_FIELDS;
    return allowed.has(first.field) && (first.wireType === WIRE_LEN || first.field === 7);
  } catch {
    return false;
  }
}

interface OpHits {
  op: string;
  rule: OpRule;
  severity: Severity;
  count: number;
  nodes: Record<string, unknown>[];
}

class SavedModelWalk {
  readonly hits = new Map<string, OpHits>();
  readonly tags = new Set<string>();
  nodes = 0;

  constructor(private readonly reader: SourceReader) {}

  async run(): Promise<void> {
    let index = 0;
    for await (const f of this.reader.fields(0, this.reader.size)) {
      if (f.field === 2 && f.wireType === WIRE_LEN) await this.metaGraph(f, index++);
    }
  }

  private async metaGraph(field: WireField, index: number): Promise<void> {
    for await (const f of this.reader.fields(field.offset, fieldEnd(field))) {
      if (f.wireType !== WIRE_LEN) continue;
      if (f.field === 1) {
        for await (const g of this.reader.fields(f.offset, fieldEnd(f))) {
          if (g.field !== 4 || this.tags.size >= 16) continue;
          const tag = await this.reader.string(g, 256);
          if (tag !== undefined) this.tags.add(tag);
        }
      } else if (f.field === 2) {
        await this.graphDef(f, `meta_graphs[${index}]`);
      }
    }
  }

  private async graphDef(field: WireField, where: string): Promise<void> {
    for await (const f of this.reader.fields(field.offset, fieldEnd(field))) {
      if (f.wireType !== WIRE_LEN) continue;
      if (f.field === 1) await this.node(f, `${where}.graph_def`);
      else if (f.field === 2) {
        for await (const g of this.reader.fields(f.offset, fieldEnd(f))) {
          if (g.field === 1 && g.wireType === WIRE_LEN) await this.functionDef(g, where);
        }
      }
    }
  }

  private async functionDef(field: WireField, where: string): Promise<void> {
    let name = "";
    for await (const f of this.reader.fields(field.offset, fieldEnd(field))) {
      if (f.wireType !== WIRE_LEN) continue;
      if (f.field === 1) {
        for await (const g of this.reader.fields(f.offset, fieldEnd(f))) {
          if (g.field === 1) name = (await this.reader.string(g, 1024)) ?? "";
        }
      } else if (f.field === 3) {
        await this.node(f, `${where}.library.function[${name}]`);
      }
    }
  }

  private async node(field: WireField, where: string): Promise<void> {
    this.nodes++;
    let name = "";
    let op = "";
    const attrs: WireField[] = [];
    for await (const f of this.reader.fields(field.offset, fieldEnd(field))) {
      if (f.wireType !== WIRE_LEN) continue;
      if (f.field === 1) name = (await this.reader.string(f, 1024)) ?? "";
      else if (f.field === 2) op = (await this.reader.string(f, 256)) ?? "";
      else if (f.field === 5 && attrs.length < 256) attrs.push(f);
    }
    const rule = OP_RULES.get(op);
    if (rule === undefined) return;
    const wanted = rule.attrs ?? [];
    const values = wanted.length > 0 ? await this.attrStrings(attrs, wanted) : new Map();
    const severity = rule.judge === undefined ? rule.severity : rule.judge(values);
    if (severity === undefined) return;
    let hit = this.hits.get(op);
    if (hit === undefined) {
      hit = { op, rule, severity, count: 0, nodes: [] };
      this.hits.set(op, hit);
    }
    hit.count++;
    if (hit.nodes.length < MAX_EXAMPLES) {
      const example: Record<string, unknown> = { node: name, in: where };
      for (const [key, list] of values) example[key] = list.length === 1 ? list[0] : list;
      hit.nodes.push(example);
    }
  }

  /** String values of the wanted attributes: AttrValue.s (2) or AttrValue.list.s (1 → 2). */
  private async attrStrings(
    entries: readonly WireField[],
    wanted: readonly string[],
  ): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const entry of entries) {
      let key = "";
      let value: WireField | undefined;
      for await (const f of this.reader.fields(entry.offset, fieldEnd(entry))) {
        if (f.wireType !== WIRE_LEN) continue;
        if (f.field === 1) key = (await this.reader.string(f, 256)) ?? "";
        else if (f.field === 2) value = f;
      }
      if (value === undefined || !wanted.includes(key)) continue;
      const strings: string[] = [];
      for await (const f of this.reader.fields(value.offset, fieldEnd(value))) {
        if (f.wireType !== WIRE_LEN) continue;
        if (f.field === 2) strings.push((await this.reader.string(f, MAX_ATTR_STRING)) ?? "");
        else if (f.field === 1) {
          for await (const g of this.reader.fields(f.offset, fieldEnd(f))) {
            if (g.field !== 2 || strings.length >= MAX_ATTR_VALUES) continue;
            strings.push((await this.reader.string(g, MAX_ATTR_STRING)) ?? "");
          }
        }
      }
      out.set(key, strings);
    }
    return out;
  }
}

function issueFor(hit: OpHits, tags: readonly string[]): ScanIssue {
  const n = `${hit.count} node${hit.count === 1 ? "" : "s"}`;
  return {
    rule: hit.rule.rule,
    severity: hit.severity,
    title: `Graph uses ${hit.op} (${n})`,
    reason: hit.rule.reason,
    evidence: { op: hit.op, count: hit.count, nodes: hit.nodes, tags },
    threats: hit.rule.threats,
  };
}

export const savedModelScanner: FormatScanner = {
  format: "tf-savedmodel",
  description:
    "TensorFlow SavedModel graphs (saved_model.pb): Python callbacks, file, network and debug ops",
  detect(head, input) {
    return looksLikeSavedModel(head, input.size, input.name);
  },
  async scan(input: ScanInput, ctx: ScanContext): Promise<void> {
    const walk = new SavedModelWalk(new SourceReader(input.source));
    try {
      await walk.run();
    } catch (error) {
      if (error instanceof BudgetError) {
        ctx.report({
          rule: "tf-savedmodel.scan-incomplete",
          severity: "medium",
          title:
            "The graph has more protobuf fields than the scan budget; the rest was not scanned",
          reason:
            "Real SavedModels stay far below this budget. A file this dense is built to be slow to parse or to hide ops past what a scanner reads; treat it as untrusted.",
          evidence: { budget: error.budget, nodesScanned: walk.nodes },
          threats: MALFORMED_ARTIFACT,
        });
      } else if (error instanceof WireError) {
        ctx.report({
          rule: "tf-savedmodel.malformed",
          severity: "medium",
          title: "saved_model.pb is not a well-formed SavedModel protobuf",
          reason:
            "Parsing stopped at a malformed field: TensorFlow rejects such a file, and ops past this point were not scanned. Re-export the model from its source.",
          offset: error.offset,
          evidence: { error: error.message, nodesScanned: walk.nodes },
          threats: MALFORMED_ARTIFACT,
        });
      } else {
        throw error;
      }
    }
    const tags = [...walk.tags];
    for (const hit of walk.hits.values()) ctx.report(issueFor(hit, tags));
  },
};
