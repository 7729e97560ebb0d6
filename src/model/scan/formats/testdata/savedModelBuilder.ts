import { type ProtoWriter, proto } from "./protoWriter.js";

/**
 * Builds SavedModel bytes (saved_model.proto, meta_graph.proto, graph.proto, node_def.proto,
 * function.proto, attr_value.proto field numbers) for the savedModel scanner tests.
 */

export type AttrSpec = { s: string } | { list: readonly string[] } | { i: number };

export function nodeDef(
  name: string,
  op: string,
  attrs: Record<string, AttrSpec> = {},
): ProtoWriter {
  const n = proto().string(1, name).string(2, op);
  for (const [key, spec] of Object.entries(attrs)) {
    const value = proto();
    if ("s" in spec) value.string(2, spec.s);
    else if ("i" in spec) value.varint(3, spec.i);
    else {
      const list = proto();
      for (const s of spec.list) list.string(2, s);
      value.message(1, list);
    }
    n.message(5, proto().string(1, key).message(2, value));
  }
  return n;
}

export function functionDef(name: string, nodes: readonly ProtoWriter[]): ProtoWriter {
  const f = proto().message(1, proto().string(1, name));
  for (const n of nodes) f.message(3, n);
  return f;
}

export function savedModel(spec: {
  nodes: readonly ProtoWriter[];
  functions?: readonly ProtoWriter[];
  tags?: readonly string[];
  version?: number;
}): Uint8Array {
  const graph = proto();
  for (const n of spec.nodes) graph.message(1, n);
  if (spec.functions !== undefined && spec.functions.length > 0) {
    const library = proto();
    for (const f of spec.functions) library.message(1, f);
    graph.message(2, library);
  }
  graph.message(4, proto().varint(1, 1808));
  const info = proto().string(1, "");
  for (const tag of spec.tags ?? ["serve"]) info.string(4, tag);
  info.string(5, "2.15.0");
  const meta = proto().message(1, info).message(2, graph);
  return proto()
    .varint(1, spec.version ?? 1)
    .message(2, meta)
    .finish();
}

/** The nodes of an ordinary exported Keras model: serving signature plus its saver subgraph. */
export function ordinaryGraph(): { nodes: ProtoWriter[]; functions: ProtoWriter[] } {
  return {
    nodes: [
      nodeDef("serving_default_x", "Placeholder"),
      nodeDef("dense/kernel", "VarHandleOp"),
      nodeDef("StatefulPartitionedCall", "StatefulPartitionedCall"),
      nodeDef("saver_filename", "Placeholder"),
      nodeDef("StringJoin", "StringJoin"),
      nodeDef("ShardedFilename", "ShardedFilename"),
      nodeDef("SaveV2", "SaveV2"),
      nodeDef("MergeV2Checkpoints", "MergeV2Checkpoints"),
      nodeDef("RestoreV2", "RestoreV2"),
      nodeDef("AssignVariableOp", "AssignVariableOp"),
      nodeDef("NoOp", "NoOp"),
      nodeDef("Identity", "Identity"),
    ],
    functions: [
      functionDef("__inference_serving_fn_42", [
        nodeDef("dense/MatMul/ReadVariableOp", "ReadVariableOp"),
        nodeDef("dense/MatMul", "MatMul"),
        nodeDef("dense/BiasAdd", "BiasAdd"),
        nodeDef("dense/Relu", "Relu"),
        nodeDef("PrintV2", "PrintV2", { output_stream: { s: "stderr" } }),
      ]),
    ],
  };
}
