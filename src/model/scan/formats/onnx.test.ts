import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BufferSource, type ByteSource } from "../byteSource.js";
import { runScanner } from "../testing/scanHarness.js";
import type { ScanIssue } from "../types.js";
import { locationProblems, onnxScanner } from "./onnx.js";
import {
  func,
  graph,
  graphAttribute,
  model,
  node,
  tensor,
  tensorAttribute,
} from "./testdata/onnxBuilder.js";
import { proto } from "./testdata/protoWriter.js";
import { savedModel } from "./testdata/savedModelBuilder.js";

const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`./testdata/${name}`, import.meta.url)));

const rules = (issues: readonly ScanIssue[]): string[] => issues.map((i) => i.rule).sort();

async function scan(bytes: Uint8Array, source?: ByteSource): Promise<ScanIssue[]> {
  return (await runScanner(onnxScanner, bytes, { name: "model.onnx", source })).issues;
}

const detect = (bytes: Uint8Array): boolean =>
  onnxScanner.detect(bytes.subarray(0, 512), { size: bytes.length, name: "x" });

const mlp = (
  extra: { nodes?: ReturnType<typeof node>[]; initializers?: ReturnType<typeof tensor>[] } = {},
) =>
  graph({
    nodes: [
      node({ op: "MatMul", name: "fc", inputs: ["x", "w"], outputs: ["y"] }),
      ...(extra.nodes ?? []),
    ],
    initializers: [tensor({ name: "w", dims: [4, 2], raw: 32 }), ...(extra.initializers ?? [])],
  });

describe("onnx detection", () => {
  it("detects real models written by onnx", () => {
    for (const name of ["tiny_mlp.onnx", "external_data.onnx", "traversal.onnx"]) {
      expect(detect(fixture(name))).toBe(true);
    }
    expect(detect(model({ graph: mlp() }))).toBe(true);
  });

  it("does not detect a SavedModel, other formats, or implausible IR versions", () => {
    expect(detect(savedModel({ nodes: [] }))).toBe(false);
    expect(detect(fixture("benign.safetensors"))).toBe(false);
    expect(detect(fixture("benign.gguf"))).toBe(false);
    expect(detect(Uint8Array.of(0x80, 0x04, 0x95))).toBe(false);
    expect(detect(model({ irVersion: 40, graph: mlp() }))).toBe(false);
    expect(detect(model({ irVersion: 0, graph: mlp() }))).toBe(false);
    // A producer name that is not text.
    expect(
      detect(
        proto()
          .varint(1, 7)
          .bytes(2, Uint8Array.of(1, 2, 3))
          .finish(),
      ),
    ).toBe(false);
  });

  it("rarely matches random bytes that start like a ModelProto", () => {
    let matches = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.uint8Array({ minLength: 64, maxLength: 600 }),
        (ir, rest) => {
          const bytes = new Uint8Array(2 + rest.length);
          bytes.set([0x08, ir]);
          bytes.set(rest, 2);
          if (detect(bytes)) matches++;
        },
      ),
      { numRuns: 3000 },
    );
    expect(matches).toBeLessThan(30);
  });
});

describe("onnx scanning of real models", () => {
  it("finds nothing in a tiny MLP or in a model with sibling external data", async () => {
    expect(await scan(fixture("tiny_mlp.onnx"))).toEqual([]);
    expect(await scan(fixture("external_data.onnx"))).toEqual([]);
  });

  it("flags both traversal locations as critical", async () => {
    const issues = await scan(fixture("traversal.onnx"));
    expect(rules(issues)).toEqual(["onnx.external-data-traversal", "onnx.external-data-traversal"]);
    expect(issues.every((i) => i.severity === "critical")).toBe(true);
    expect(issues.map((i) => i.evidence.location).sort()).toEqual([
      "../../etc/passwd",
      "/etc/passwd",
    ]);
    expect(issues[0]!.threats.length).toBeGreaterThan(0);
  });
});

describe("onnx attacks built by hand", () => {
  it("flags external data traversal in initializers and in Constant node tensors", async () => {
    const traversal = (location: string) =>
      tensor({
        name: `t_${location}`,
        dims: [2],
        external: [
          ["location", location],
          ["offset", "0"],
          ["length", "8"],
        ],
      });
    const bytes = model({
      graph: mlp({
        initializers: [
          traversal("../../etc/passwd"),
          traversal("C:\\Windows\\win.ini"),
          traversal("\\\\host\\share\\x"),
        ],
        nodes: [
          node({
            op: "Constant",
            outputs: ["c"],
            attributes: [tensorAttribute("value", traversal("/etc/shadow"))],
          }),
        ],
      }),
    });
    const issues = await scan(bytes);
    expect(issues.map((i) => i.evidence.location).sort()).toEqual([
      "../../etc/passwd",
      "/etc/shadow",
      "C:\\Windows\\win.ini",
      "\\\\host\\share\\x",
    ]);
  });

  it("classifies locations", () => {
    expect(locationProblems("weights.bin")).toEqual([]);
    expect(locationProblems("data/weights.bin")).toEqual([]);
    expect(locationProblems("./a/../weights.bin")).toEqual([
      "contains a parent-directory (..) segment",
    ]);
    expect(locationProblems("../weights.bin")).toEqual(["climbs out of the model's folder"]);
    expect(locationProblems("a/../../b")).toEqual(["climbs out of the model's folder"]);
    expect(locationProblems("..\\..\\b")).toEqual(["climbs out of the model's folder"]);
    expect(locationProblems(".. /x")).toEqual(["climbs out of the model's folder"]);
    expect(locationProblems("/etc/passwd")).toEqual(["absolute path"]);
    expect(locationProblems("C:/x")).toContain("Windows drive path");
    expect(locationProblems("//server/share")).toEqual(["UNC or network path"]);
    expect(locationProblems("file:///etc/passwd")).toContain("URL or scheme");
    expect(locationProblems("w.bin\0.txt")).toEqual(["contains a NUL byte"]);
  });

  it("flags custom-domain ops, also inside nested If/Loop subgraphs, once per op", async () => {
    const inner = graph({ nodes: [node({ op: "Evil", domain: "com.attacker", name: "deep" })] });
    const loopBody = graph({
      nodes: [
        node({
          op: "If",
          name: "if",
          attributes: [
            graphAttribute("then_branch", [inner]),
            graphAttribute("else_branch", [graph({})]),
          ],
        }),
      ],
    });
    const bytes = model({
      graph: mlp({
        nodes: [
          node({ op: "Evil", domain: "com.attacker", name: "top" }),
          node({ op: "Loop", name: "loop", attributes: [graphAttribute("body", [loopBody])] }),
          node({ op: "FusedMatMul", domain: "com.microsoft" }),
          node({ op: "LinearRegressor", domain: "ai.onnx.ml" }),
        ],
      }),
      opsets: [
        ["", 13],
        ["com.attacker", 1],
      ],
    });
    const issues = await scan(bytes);
    expect(rules(issues)).toEqual(["onnx.custom-op-domain"]);
    expect(issues[0]!.severity).toBe("medium");
    expect(issues[0]!.evidence).toMatchObject({ domain: "com.attacker", opType: "Evil", count: 2 });
    const paths = (issues[0]!.evidence.nodes as { path: string }[]).map((n) => n.path);
    expect(paths.some((p) => p.includes("body") && p.includes("then_branch"))).toBe(true);
  });

  it("does not flag calls to functions defined in the model, but scans their bodies", async () => {
    const bytes = model({
      graph: mlp({ nodes: [node({ op: "MyGelu", domain: "local.fns" })] }),
      functions: [
        func({
          name: "MyGelu",
          domain: "local.fns",
          nodes: [node({ op: "Tanh" }), node({ op: "Hidden", domain: "com.attacker" })],
        }),
      ],
    });
    const issues = await scan(bytes);
    expect(issues.map((i) => i.evidence.opType)).toEqual(["Hidden"]);
  });

  it("flags raw_data and external length mismatches, bad offsets and negative dims", async () => {
    const bytes = model({
      graph: mlp({
        initializers: [
          tensor({ name: "short", dims: [4, 4], raw: 60 }),
          tensor({ name: "int4", dims: [3], dataType: 22, raw: 2 }),
          tensor({
            name: "ext_len",
            dims: [10],
            external: [
              ["location", "w.bin"],
              ["offset", "0"],
              ["length", "8"],
            ],
          }),
          tensor({
            name: "ext_neg",
            dims: [2],
            external: [
              ["location", "w.bin"],
              ["offset", "-4"],
              ["length", "8"],
            ],
          }),
          tensor({ name: "ext_none", dims: [2], dataLocation: 1 }),
          tensor({ name: "neg", dims: [-1n, 4], raw: 16 }),
          tensor({ name: "unpacked", dims: [2, 2], raw: 16, packedDims: false }),
        ],
      }),
    });
    const issues = await scan(bytes);
    expect(rules(issues)).toEqual([
      "onnx.external-data-malformed",
      "onnx.external-data-malformed",
      "onnx.external-data-size-mismatch",
      "onnx.raw-data-size-mismatch",
      "onnx.tensor-malformed",
    ]);
    const raw = issues.find((i) => i.rule === "onnx.raw-data-size-mismatch")!;
    expect(raw.evidence.tensors).toEqual([
      { tensor: "short", expectedBytes: 64, rawDataBytes: 60 },
    ]);
    expect(issues.every((i) => i.severity === "medium")).toBe(true);
  });

  it("reports malformed protobuf without throwing, keeping what it found before", async () => {
    const good = model({ graph: mlp({ nodes: [node({ op: "Evil", domain: "x.y" })] }) });
    const broken = new Uint8Array(good.length + 3);
    broken.set(good);
    broken.set([0x3a, 0xff, 0x7f], good.length); // graph field claiming 16 KB that is not there
    const issues = await scan(broken);
    expect(rules(issues)).toEqual(["onnx.custom-op-domain", "onnx.malformed"]);
  });

  it("stops following subgraphs past the depth limit", async () => {
    let g = graph({ nodes: [node({ op: "Evil", domain: "too.deep" })] });
    for (let i = 0; i < 40; i++)
      g = graph({ nodes: [node({ op: "If", attributes: [graphAttribute("then_branch", [g])] })] });
    const issues = await scan(model({ graph: g }));
    expect(rules(issues)).toEqual(["onnx.nesting-too-deep"]);
  });

  it("reads headers only: a 64 MB initializer is skipped without reading it", async () => {
    const bytes = model({
      graph: mlp({
        initializers: [tensor({ name: "huge", dims: [16, 1024, 1024], raw: 64 * 1024 * 1024 })],
      }),
    });
    let read = 0;
    const inner = new BufferSource(bytes);
    const source: ByteSource = {
      size: inner.size,
      read: async (offset, length) => {
        const out = await inner.read(offset, length);
        read += out.length;
        return out;
      },
    };
    expect(await scan(bytes, source)).toEqual([]);
    expect(read).toBeLessThan(4 * 1024 * 1024);
  });

  it("fuzz: mutated real models never throw", async () => {
    const base = fixture("traversal.onnx");
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.nat(base.length),
        async (edits, cut) => {
          const bytes = base.slice(0, Math.max(cut, 16));
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          const issues = await scan(bytes);
          for (const issue of issues) expect(issue.rule).toMatch(/^onnx\./);
        },
      ),
      { numRuns: 500 },
    );
  });
});
