import { type ProtoWriter, proto } from "./protoWriter.js";

/**
 * Builds ONNX ModelProto bytes field by field (onnx/onnx.proto numbers), so tests can make the
 * models a real exporter refuses to: traversal locations, custom domains, lying sizes.
 */

export interface TensorSpec {
  name: string;
  dims: readonly (number | bigint)[];
  /** TensorProto.DataType; FLOAT (1) by default. */
  dataType?: number;
  /** raw_data bytes, or a length to fill with zeros. */
  raw?: Uint8Array | number;
  external?: readonly [string, string][];
  /** data_location; EXTERNAL (1) is set automatically when `external` is given. */
  dataLocation?: number;
  /** Write dims packed (as protobuf 3 does) or one field each. */
  packedDims?: boolean;
}

export function tensor(spec: TensorSpec): ProtoWriter {
  const t = proto();
  if (spec.packedDims === false) for (const d of spec.dims) t.varint(1, d);
  else if (spec.dims.length > 0) t.packed(1, spec.dims);
  t.varint(2, spec.dataType ?? 1);
  t.string(8, spec.name);
  if (spec.raw !== undefined) {
    t.bytes(9, typeof spec.raw === "number" ? new Uint8Array(spec.raw) : spec.raw);
  }
  for (const [key, value] of spec.external ?? []) {
    t.message(13, proto().string(1, key).string(2, value));
  }
  const location = spec.dataLocation ?? (spec.external === undefined ? undefined : 1);
  if (location !== undefined) t.varint(14, location);
  return t;
}

export interface NodeSpec {
  op: string;
  domain?: string;
  name?: string;
  inputs?: readonly string[];
  outputs?: readonly string[];
  attributes?: readonly ProtoWriter[];
}

export function node(spec: NodeSpec): ProtoWriter {
  const n = proto();
  for (const input of spec.inputs ?? []) n.string(1, input);
  for (const output of spec.outputs ?? []) n.string(2, output);
  if (spec.name !== undefined) n.string(3, spec.name);
  n.string(4, spec.op);
  for (const attribute of spec.attributes ?? []) n.message(5, attribute);
  if (spec.domain !== undefined) n.string(7, spec.domain);
  return n;
}

/** AttributeProto of type GRAPH (5) or GRAPHS (10). */
export function graphAttribute(name: string, graphs: readonly ProtoWriter[]): ProtoWriter {
  const a = proto().string(1, name);
  if (graphs.length === 1) a.message(6, graphs[0]!).varint(20, 5);
  else {
    for (const g of graphs) a.message(11, g);
    a.varint(20, 10);
  }
  return a;
}

/** AttributeProto of type TENSOR (4), as a Constant node carries. */
export function tensorAttribute(name: string, value: ProtoWriter): ProtoWriter {
  return proto().string(1, name).message(5, value).varint(20, 4);
}

export function graph(spec: {
  name?: string;
  nodes?: readonly ProtoWriter[];
  initializers?: readonly ProtoWriter[];
}): ProtoWriter {
  const g = proto();
  for (const n of spec.nodes ?? []) g.message(1, n);
  g.string(2, spec.name ?? "g");
  for (const t of spec.initializers ?? []) g.message(5, t);
  return g;
}

export function func(spec: {
  name: string;
  domain: string;
  nodes: readonly ProtoWriter[];
}): ProtoWriter {
  const f = proto().string(1, spec.name);
  for (const n of spec.nodes) f.message(7, n);
  return f.string(10, spec.domain);
}

export function model(spec: {
  irVersion?: number;
  producer?: string;
  graph: ProtoWriter;
  opsets?: readonly [string, number][];
  functions?: readonly ProtoWriter[];
}): Uint8Array {
  const m = proto().varint(1, spec.irVersion ?? 8);
  m.string(2, spec.producer ?? "rampart-test").string(3, "1.0");
  m.message(7, spec.graph);
  for (const [domain, version] of spec.opsets ?? [["", 13]]) {
    m.message(8, proto().string(1, domain).varint(2, version));
  }
  for (const f of spec.functions ?? []) m.message(25, f);
  return m.finish();
}
