import { describe, expect, it } from "vitest";
import { atLeast } from "../../../core/index.js";
import { runScanner } from "../testing/scanHarness.js";
import type { ScanIssue } from "../types.js";
import {
  analyzeKerasConfig,
  kerasConfigScanner,
  parseKerasJson,
  peekBytecode,
} from "./kerasConfig.js";
import {
  k2Dense,
  k2Lambda,
  k2Model,
  k3,
  k3Dense,
  k3Functional,
  k3Input,
  k3Lambda,
  k3Model,
  k3Sequential,
  LAMBDA_BYTECODE,
} from "./testdata/kerasConfigs.js";

const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

async function scan(
  value: unknown,
  options: Parameters<typeof runScanner>[2] = {},
): Promise<ScanIssue[]> {
  const bytes = value instanceof Uint8Array ? value : encode(value);
  return (await runScanner(kerasConfigScanner, bytes, { name: "config.json", ...options })).issues;
}

const analyze = (value: unknown): ScanIssue[] =>
  analyzeKerasConfig(value, { format: "keras-config", origin: "test" });
const rules = (issues: readonly ScanIssue[]): string[] => issues.map((i) => i.rule).sort();
const detect = (value: unknown): boolean => {
  const bytes = typeof value === "string" ? new TextEncoder().encode(value) : encode(value);
  return kerasConfigScanner.detect(bytes.subarray(0, 512), { size: bytes.length, name: "x" });
};

describe("keras-config detection", () => {
  it("detects Keras 2 to_json, Keras 3 config.json and metadata.json by content", () => {
    expect(detect(k2Model([k2Dense("d")]))).toBe(true);
    expect(detect(k3Model())).toBe(true);
    expect(detect({ keras_version: "3.4.1", date_saved: "2024-07-01@12:00:00" })).toBe(true);
    expect(detect(`\n  {\n  "module": "my_pkg",\n  "class_name": "MyModel"}`)).toBe(true);
    // A crafted config that puts "config" first is still a Keras config.
    expect(detect({ config: { layers: [] }, class_name: "Sequential" })).toBe(true);
  });

  it("does not claim other JSON", () => {
    expect(detect({ architectures: ["LlamaForCausalLM"], model_type: "llama" })).toBe(false);
    expect(detect({ _class_name: "UNet2DConditionModel", _diffusers_version: "0.21" })).toBe(false);
    expect(detect({ config: { a: 1 } })).toBe(false);
    expect(detect("[1, 2]")).toBe(false);
    expect(detect("not json")).toBe(false);
  });
});

describe("keras-config analysis", () => {
  it("finds nothing in ordinary Keras 3 and Keras 2 configs and metadata", async () => {
    expect(await scan(k3Model())).toEqual([]);
    expect(await scan(k2Model([k2Dense("in"), k2Dense("out")]))).toEqual([]);
    expect(await scan({ keras_version: "3.4.1", date_saved: "2024-07-01@12:00:00" })).toEqual([]);
    const hub = k3Functional("m", [
      k3(
        "keras_hub.src.models.gemma.gemma_backbone",
        "GemmaBackbone",
        { name: "gemma" },
        "keras_hub>GemmaBackbone",
      ),
    ]);
    expect(await scan(hub)).toEqual([]);
  });

  it("flags a top-level Keras 3 Lambda with its bytecode decoded", async () => {
    const issues = await scan(k3Sequential("s", [k3Input("in"), k3Lambda("evil")]));
    expect(rules(issues)).toEqual(["keras-config.lambda-layer"]);
    const [issue] = issues;
    expect(issue!.severity).toBe("critical");
    expect(issue!.evidence).toMatchObject({
      layer: "evil",
      path: "$.config.layers[1]",
      layers: "s/evil",
      function: { kind: "bytecode", payload: "marshalled Python code object" },
    });
    expect((issue!.evidence.function as { names: string[] }).names).toEqual(
      expect.arrayContaining(["os", "system"]),
    );
  });

  it("flags a Lambda nested in a Sequential inside a Functional, and inside wrappers", async () => {
    const nested = k3Model([k3Dense("dense", 8), k3Lambda("hidden")]);
    const wrapped = k3Functional("f", [
      k3("keras.layers", "TimeDistributed", { name: "td", layer: k3Lambda("in_td") }),
      k3("keras.layers", "Bidirectional", {
        name: "bi",
        layer: k3Sequential("seq", [k3Lambda("in_bi")]),
      }),
    ]);
    const nestedIssues = await scan(nested);
    expect(nestedIssues.map((i) => i.evidence.layers)).toEqual(["functional/inner/hidden"]);
    expect(nestedIssues[0]!.evidence.path).toBe("$.config.layers[1].config.layers[1]");
    const wrappedIssues = await scan(wrapped);
    expect(wrappedIssues.map((i) => i.evidence.layers).sort()).toEqual([
      "f/bi/seq/in_bi",
      "f/td/in_td",
    ]);
  });

  it("flags Keras 2 Lambdas in both their bytecode and function-reference forms", () => {
    const reference = {
      class_name: "Lambda",
      config: { name: "ref", function: "system", function_type: "function", module: "os" },
    };
    const issues = analyze(k2Model([k2Lambda("code"), reference]));
    // The os reference inside the Lambda's config is a second, separate finding.
    const danger = issues.filter((i) => i.rule === "keras-config.dangerous-reference");
    expect(danger.map((i) => [i.severity, i.evidence.module, i.evidence.name])).toEqual([
      ["critical", "os", "system"],
    ]);
    const lambdas = issues.filter((i) => i.rule === "keras-config.lambda-layer");
    expect(lambdas.map((i) => i.evidence.function)).toEqual([
      expect.objectContaining({
        kind: "bytecode",
        payload: "marshalled Python code object",
        module: "__main__",
      }),
      { kind: "reference", function: "system", module: "os" },
    ]);
  });

  it("flags Lambdas that reference dangerous functions twice: the layer and the reference", () => {
    const lambda = k3("keras.layers", "Lambda", {
      name: "l",
      function: {
        module: "builtins",
        class_name: "function",
        config: "eval",
        registered_name: "function",
      },
    });
    const issues = analyze(k3Sequential("s", [lambda]));
    expect(rules(issues)).toEqual([
      "keras-config.dangerous-reference",
      "keras-config.lambda-layer",
    ]);
    expect(issues.every((i) => i.severity === "critical")).toBe(true);
  });

  it("flags __lambda__ functions outside Lambda layers", () => {
    const activation = {
      class_name: "__lambda__",
      config: { value: [LAMBDA_BYTECODE, null, null] },
    };
    const dense = k3("keras.layers", "Dense", { name: "d", activation });
    expect(rules(analyze(k3Sequential("s", [dense])))).toEqual(["keras-config.lambda-function"]);
  });

  it("flags TFSMLayer as high with its path", () => {
    const issues = analyze(
      k3Sequential("s", [
        k3("keras.layers", "TFSMLayer", {
          name: "t",
          filepath: "/models/x",
          call_endpoint: "serve",
        }),
      ]),
    );
    expect(rules(issues)).toEqual(["keras-config.tfsm-layer"]);
    expect(issues[0]!.severity).toBe("high");
    expect(issues[0]!.evidence.filepath).toBe("/models/x");
  });

  it("flags custom modules and registrations as high, dangerous ones as critical", () => {
    const issues = analyze(
      k3Sequential("s", [
        k3("my_company.layers", "Attention", { name: "a" }, "my_company>Attention"),
        k3("keras.layers", "Dense", { name: "b" }, "evil_pkg>Dense"),
        k3("subprocess", "Popen", { name: "c" }),
        k3("os", "function", { name: "d" }),
        {
          module: "keras.config",
          class_name: "function",
          config: "enable_unsafe_deserialization",
          registered_name: null,
        },
        {
          module: "keras.utils",
          class_name: "function",
          config: "get_file",
          registered_name: null,
        },
        { module: "builtins", class_name: "function", config: "relu", registered_name: null },
      ]),
    );
    const summary = issues.map((i) => [
      i.rule.split(".")[1],
      i.severity,
      i.evidence.module ?? i.evidence.registered_name,
    ]);
    expect(summary).toEqual([
      ["custom-object", "high", "my_company.layers"],
      ["custom-object", "high", "keras.layers"],
      ["dangerous-reference", "critical", "subprocess"],
      ["dangerous-reference", "critical", "os"],
      ["dangerous-reference", "critical", "keras.config"],
      ["dangerous-reference", "high", "keras.utils"],
    ]);
  });

  it("caps issues per rule and counts the rest", () => {
    const layers = Array.from({ length: 30 }, (_, i) => k3Lambda(`l${i}`));
    const issues = analyze(k3Sequential("s", layers));
    expect(issues).toHaveLength(25);
    expect(issues[24]!.evidence.moreNotListed).toBe(5);
  });

  it("walks deep configs iteratively and stops at the node budget", () => {
    let deep: unknown = k3Lambda("bottom");
    for (let i = 0; i < 100_000; i++) deep = { config: { layer: deep } };
    expect(rules(analyze(deep))).toEqual(["keras-config.lambda-layer"]);
    const wide = {
      class_name: "Sequential",
      config: { layers: Array.from({ length: 50 }, () => ({ a: [{}] })) },
    };
    const bounded = analyzeKerasConfig(wide, { format: "keras-config", origin: "t", maxNodes: 20 });
    expect(rules(bounded)).toEqual(["keras-config.scan-incomplete"]);
  });

  it("parses Python's NaN and Infinity tokens but not inside strings", () => {
    expect(
      parseKerasJson('{"a": NaN, "b": -Infinity, "c": "NaN Infinity", "d": [Infinity]}'),
    ).toEqual({
      a: null,
      b: null,
      c: "NaN Infinity",
      d: [null],
    });
  });

  it("reports unparseable and oversized configs instead of throwing", async () => {
    expect(
      rules(await scan(new TextEncoder().encode('{"class_name": "Functional", "config": {'))),
    ).toEqual(["keras-config.unparseable"]);
    expect(rules(await scan(k3Model(), { limits: { maxInMemoryBytes: 100 } }))).toEqual([
      "keras-config.too-large",
    ]);
  });

  it("tells bytecode from other base64", () => {
    expect(peekBytecode(LAMBDA_BYTECODE).payload).toBe("marshalled Python code object");
    expect(peekBytecode(Buffer.from("hello").toString("base64")).payload).toMatch(
      /not a code object/,
    );
  });

  it("keeps benign real-world shapes below low", async () => {
    const issues = await scan(k3Model([k3Dense("a", 4), k3Dense("b", 4)]));
    expect(issues.filter((i) => atLeast(i.severity, "low"))).toEqual([]);
  });
});
