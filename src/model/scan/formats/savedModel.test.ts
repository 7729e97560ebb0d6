import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { atLeast } from "../../../core/index.js";
import { runScanner } from "../testing/scanHarness.js";
import type { ScanIssue } from "../types.js";
import { looksLikeSavedModel, OP_RULES, savedModelScanner } from "./savedModel.js";
import { graph, model, node } from "./testdata/onnxBuilder.js";
import { proto } from "./testdata/protoWriter.js";
import { functionDef, nodeDef, ordinaryGraph, savedModel } from "./testdata/savedModelBuilder.js";

async function scan(bytes: Uint8Array): Promise<ScanIssue[]> {
  return (await runScanner(savedModelScanner, bytes, { name: "saved_model.pb" })).issues;
}

const detect = (bytes: Uint8Array, name = "x.bin"): boolean =>
  savedModelScanner.detect(bytes.subarray(0, 512), { size: bytes.length, name });

describe("savedModel detection", () => {
  it("detects a SavedModel by content, and by name when the content is plausible", () => {
    const bytes = savedModel(ordinaryGraph());
    expect(detect(bytes)).toBe(true);
    expect(detect(bytes, "saved_model.pb")).toBe(true);
    // Schema version 0 is omitted by proto3: accepted only with the right name.
    const unversioned = proto().message(2, proto().message(2, proto())).finish();
    expect(detect(unversioned)).toBe(false);
    expect(detect(unversioned, "saved_model.pb")).toBe(true);
    expect(looksLikeSavedModel(Uint8Array.of(0x08, 0x01, 0x12, 0x7f), 4, "saved_model.pb")).toBe(
      false,
    );
  });

  it("does not claim an ONNX model or random bytes", () => {
    const onnx = model({ irVersion: 1, graph: graph({ nodes: [node({ op: "Relu" })] }) });
    expect(detect(onnx)).toBe(false);
    const real = new Uint8Array(readFileSync(new URL("./testdata/tiny_mlp.onnx", import.meta.url)));
    expect(detect(real)).toBe(false);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 300 }), (rest) => {
        const bytes = new Uint8Array([0x08, 0x01, ...rest]);
        if (detect(bytes)) {
          // Whatever matches must at least be a field-2 message holding a MetaGraphDef field.
          expect(bytes[2]).toBe(0x12);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("savedModel scanning", () => {
  it("reports nothing above info for an ordinary exported model, saver ops at info", async () => {
    const issues = await scan(savedModel(ordinaryGraph()));
    expect(issues.every((i) => !atLeast(i.severity, "low"))).toBe(true);
    expect(issues.map((i) => i.evidence.op).sort()).toEqual([
      "MergeV2Checkpoints",
      "RestoreV2",
      "SaveV2",
    ]);
    expect(issues.every((i) => i.rule === "tf-savedmodel.checkpoint-op")).toBe(true);
  });

  it("flags PyFunc ops as critical, in the graph and in library functions, with the token", async () => {
    const { nodes, functions } = ordinaryGraph();
    const bytes = savedModel({
      nodes: [...nodes, nodeDef("py", "PyFunc", { token: { s: "pyfunc_0" } })],
      functions: [
        ...functions,
        functionDef("__inference_f_7", [
          nodeDef("eager", "EagerPyFunc", { token: { s: "pyfunc_1" } }),
        ]),
      ],
    });
    const issues = (await scan(bytes)).filter((i) => i.severity === "critical");
    expect(issues.map((i) => i.evidence.op).sort()).toEqual(["EagerPyFunc", "PyFunc"]);
    const eager = issues.find((i) => i.evidence.op === "EagerPyFunc")!;
    expect(eager.rule).toBe("tf-savedmodel.python-op");
    expect(eager.evidence.nodes).toEqual([
      { node: "eager", in: "meta_graphs[0].library.function[__inference_f_7]", token: "pyfunc_1" },
    ]);
    expect(eager.evidence.tags).toEqual(["serve"]);
  });

  it("flags file, network and debug ops with their attributes", async () => {
    const bytes = savedModel({
      nodes: [
        nodeDef("w", "WriteFile"),
        nodeDef("r", "ReadFile"),
        nodeDef("m", "ImmutableConst", { memory_region_name: { s: "/etc/passwd" } }),
        nodeDef("d", "DebugIdentityV2", { debug_urls: { list: ["grpc://203.0.113.7:6064"] } }),
        nodeDef("p1", "PrintV2", { output_stream: { s: "file:///tmp/leak.txt" } }),
        nodeDef("p2", "PrintV2", { output_stream: { s: "stderr" } }),
        nodeDef("rpc", "RpcCall"),
        nodeDef("glob", "MatchingFiles"),
      ],
    });
    const issues = await scan(bytes);
    const byOp = new Map(issues.map((i) => [i.evidence.op, i]));
    expect(byOp.get("WriteFile")?.severity).toBe("high");
    expect(byOp.get("ReadFile")?.severity).toBe("medium");
    expect(byOp.get("ImmutableConst")?.evidence.nodes).toEqual([
      { node: "m", in: "meta_graphs[0].graph_def", memory_region_name: "/etc/passwd" },
    ]);
    expect(byOp.get("DebugIdentityV2")?.evidence.nodes).toEqual([
      { node: "d", in: "meta_graphs[0].graph_def", debug_urls: "grpc://203.0.113.7:6064" },
    ]);
    expect(byOp.get("PrintV2")?.evidence.count).toBe(1);
    expect(byOp.get("RpcCall")?.rule).toBe("tf-savedmodel.network-op");
    expect(byOp.get("MatchingFiles")?.severity).toBe("low");
  });

  it("aggregates many nodes of one op into one issue", async () => {
    const nodes = Array.from({ length: 50 }, (_, i) => nodeDef(`py${i}`, "PyFuncStateless"));
    const issues = await scan(savedModel({ nodes }));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.evidence.count).toBe(50);
    expect((issues[0]!.evidence.nodes as unknown[]).length).toBe(10);
  });

  it("keeps every rule's reason non-empty and saver ops at info", () => {
    for (const [op, rule] of OP_RULES) {
      expect(rule.reason.length, op).toBeGreaterThan(40);
      if (["SaveV2", "RestoreV2", "MergeV2Checkpoints"].includes(op))
        expect(rule.severity).toBe("info");
    }
  });

  it("reports a malformed graph and keeps the ops found before it", async () => {
    const good = savedModel({ nodes: [nodeDef("py", "PyFunc")] });
    const broken = new Uint8Array([...good, 0x12, 0xff, 0x01]);
    const issues = await scan(broken);
    expect(issues.map((i) => i.rule).sort()).toEqual([
      "tf-savedmodel.malformed",
      "tf-savedmodel.python-op",
    ]);
  });

  it("fuzz: mutated SavedModels never throw", async () => {
    const base = savedModel({
      nodes: [nodeDef("py", "PyFunc", { token: { s: "t" } }), ...ordinaryGraph().nodes],
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        async (edits) => {
          const bytes = base.slice();
          for (const [at, value] of edits) bytes[at] = value;
          for (const issue of await scan(bytes)) expect(issue.rule).toMatch(/^tf-savedmodel\./);
        },
      ),
      { numRuns: 500 },
    );
  });
});
