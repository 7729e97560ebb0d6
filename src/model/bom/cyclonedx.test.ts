import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isRampartError, sha256Hex } from "../../core/index.js";
import type { ModelVersion } from "../registry/types.js";
import {
  type BomModelCard,
  type CdxComponent,
  type CycloneDxBom,
  parseDigest,
  toCycloneDx,
} from "./index.js";
import {
  FULL_DATASETS,
  fullVersion,
  GOLDEN_HEX,
  minimalVersion,
  PINNED,
  ROOT_HEX,
  TRAIN_HEX,
} from "./testing/fixtures.js";
import { describeErrors, validateCycloneDx16 } from "./testing/schema.js";

const GOLDEN = join(import.meta.dirname, "testdata/fraud-3.cdx.json");

function expectValid(bom: unknown): void {
  const result = validateCycloneDx16(bom);
  expect(result.valid, describeErrors(result.errors)).toBe(true);
}

function expectInvalid(bom: unknown, path: string): void {
  const result = validateCycloneDx16(bom);
  expect(result.valid).toBe(false);
  expect(result.errors.map((e) => e.instancePath)).toContain(path);
}

/** A deep copy that tests can break without touching the original. */
function copy(bom: CycloneDxBom): Record<string, unknown> & CycloneDxBom {
  return JSON.parse(JSON.stringify(bom)) as Record<string, unknown> & CycloneDxBom;
}

function props(component: CdxComponent): Record<string, string> {
  return Object.fromEntries((component.properties ?? []).map((p) => [p.name, p.value]));
}

function allBomRefs(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) allBomRefs(v, into);
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === "bom-ref" && typeof v === "string") into.push(v);
      else allBomRefs(v, into);
    }
  }
  return into;
}

const full = () => toCycloneDx(fullVersion(), { ...PINNED, datasets: FULL_DATASETS });
const minimal = () => toCycloneDx(minimalVersion(), PINNED);

describe("toCycloneDx: schema validity", () => {
  it("a full version (datasets, metrics, signature, scan, card) is a valid CycloneDX 1.6 BOM", () => {
    expectValid(full());
  });

  it("a minimal version (nothing optional) is a valid CycloneDX 1.6 BOM", () => {
    expectValid(minimal());
  });

  it("an unpinned BOM is valid too: a random urn:uuid serial and an RFC 3339 timestamp", () => {
    const a = toCycloneDx(fullVersion(), { toolVersion: "0.1.0" });
    const b = toCycloneDx(fullVersion(), { toolVersion: "0.1.0" });
    expectValid(a);
    expect(a.serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(a.serialNumber).not.toBe(b.serialNumber);
    expect(Number.isNaN(Date.parse(a.metadata.timestamp))).toBe(false);
  });

  it("a loose model card (wrong types, unknown approach) is filtered, never made invalid", () => {
    const version = fullVersion();
    const card: BomModelCard = {
      ...version.card,
      architectureFamily: "tree ensemble",
      approach: "guesswork",
      considerations: {
        users: ["fraud analysts", 42 as unknown as string, ""],
        useCases: [],
        technicalLimitations: ["not for wire transfers"],
        ethicalConsiderations: [
          { name: "false positives block legitimate customers", mitigationStrategy: "review" },
          "oops" as unknown as { name: string },
        ],
      },
    };
    version.card = card as ModelVersion["card"];
    const bom = toCycloneDx(version, PINNED);
    expectValid(bom);
    const modelCard = bom.components[0]?.modelCard;
    expect(modelCard?.modelParameters?.approach).toBeUndefined();
    expect(modelCard?.modelParameters?.architectureFamily).toBe("tree ensemble");
    expect(modelCard?.considerations).toEqual({
      users: ["fraud analysts"],
      technicalLimitations: ["not for wire transfers"],
      ethicalConsiderations: [
        { name: "false positives block legitimate customers", mitigationStrategy: "review" },
      ],
    });
  });

  it("an approach from the CycloneDX list is kept", () => {
    const version = fullVersion();
    const card: BomModelCard = { ...version.card, approach: "supervised" };
    version.card = card as ModelVersion["card"];
    const bom = toCycloneDx(version, PINNED);
    expectValid(bom);
    expect(bom.components[0]?.modelCard?.modelParameters?.approach).toEqual({
      type: "supervised",
    });
  });
});

describe("the schema check can fail", () => {
  // Each case breaks one thing a writer bug could plausibly break.
  it("rejects a component of an unknown type", () => {
    const bom = copy(full());
    (bom.components[1] as { type: string }).type = "neural-net";
    expectInvalid(bom, "/components/1/type");
  });

  it("rejects a numeric specVersion and a bomFormat other than CycloneDX", () => {
    const bom = copy(full()) as Record<string, unknown>;
    bom.specVersion = 9;
    bom.bomFormat = "SPDX";
    const result = validateCycloneDx16(bom);
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.instancePath)).toEqual(
      expect.arrayContaining(["/specVersion", "/bomFormat"]),
    );
  });

  it("does not constrain a string specVersion: the writer's own assertion must", () => {
    // The official schema types specVersion as any string, so "9" passes it; this pins that
    // fact so nobody mistakes the schema check for a spec-version check.
    const bom = copy(full()) as Record<string, unknown>;
    bom.specVersion = "9";
    expect(validateCycloneDx16(bom).valid).toBe(true);
    expect(full().specVersion).toBe("1.6");
  });

  it("rejects a hash with its algorithm prefix left in", () => {
    const bom = copy(full());
    const hash = bom.components[0]?.hashes?.[0];
    if (hash === undefined) throw new Error("fixture has no hash");
    hash.content = `sha256:${ROOT_HEX}`;
    expectInvalid(bom, "/components/0/hashes/0/content");
  });

  it("rejects a serial number that is not a urn:uuid and a timestamp that is not a date-time", () => {
    const bom = copy(full());
    bom.serialNumber = "3e671687-395b-41f5-a30f-a58921a69b79";
    bom.metadata.timestamp = "2025-01-02 03:04:05";
    const paths = validateCycloneDx16(bom).errors.map((e) => e.instancePath);
    expect(paths).toEqual(expect.arrayContaining(["/serialNumber", "/metadata/timestamp"]));
  });

  it("rejects an unknown model card field and a dataset reference with extra fields", () => {
    const bom = copy(full());
    const card = bom.components[0]?.modelCard as Record<string, unknown>;
    card.accuracy = "high";
    expectInvalid(bom, "/components/0/modelCard");
    const again = copy(full());
    const datasets = again.components[0]?.modelCard?.modelParameters?.datasets as unknown[];
    datasets[0] = { ref: "dataset:transactions-2024-12", name: "transactions" };
    expectInvalid(again, "/components/0/modelCard/modelParameters/datasets/0");
  });

  it("resolves the SPDX and JSF schemas: an unknown licence id and a bad signature fail", () => {
    const licensed = copy(full());
    const model = licensed.components[0] as unknown as Record<string, unknown>;
    model.licenses = [{ license: { id: "Apache-2.0" } }];
    expectValid(licensed);
    model.licenses = [{ license: { id: "Not-A-Licence" } }];
    expect(validateCycloneDx16(licensed).valid).toBe(false);

    const signed = copy(full()) as Record<string, unknown>;
    signed.signature = { algorithm: "ES256", value: "c2lnbmF0dXJl" };
    expectValid(signed);
    signed.signature = { algorithm: 256 };
    expect(validateCycloneDx16(signed).valid).toBe(false);
  });

  it("rejects a property with a non-string value", () => {
    const bom = copy(full());
    (bom.components[0]?.properties?.[0] as { value: unknown }).value = 3;
    expectInvalid(bom, "/components/0/properties/0/value");
  });
});

describe("toCycloneDx: content", () => {
  it("has the CycloneDX envelope, pinned serial and timestamp, and Rampart as the tool", () => {
    const bom = full();
    expect(bom).toMatchObject({
      $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
      bomFormat: "CycloneDX",
      specVersion: "1.6",
      serialNumber: PINNED.serialNumber,
      version: 1,
      metadata: {
        timestamp: "2025-01-02T03:04:05.000Z",
        tools: { components: [{ type: "application", name: "Rampart", version: "0.1.0" }] },
        component: { type: "machine-learning-model", name: "fraud", version: "3" },
      },
    });
  });

  it("accepts a bare UUID as the serial and refuses anything else", () => {
    const bom = toCycloneDx(minimalVersion(), {
      ...PINNED,
      serialNumber: "3E671687-395B-41F5-A30F-A58921A69B79",
    });
    expect(bom.serialNumber).toBe(PINNED.serialNumber);
    let error: unknown;
    try {
      toCycloneDx(minimalVersion(), { ...PINNED, serialNumber: "urn:uuid:nope" });
    } catch (e) {
      error = e;
    }
    expect(isRampartError(error) && error.code).toBe("E_USAGE");
  });

  it("is the model as a machine-learning-model component hashed by its root digest", () => {
    const bom = full();
    const model = bom.components[0];
    expect(model).toMatchObject({
      type: "machine-learning-model",
      "bom-ref": "model:fraud@3",
      name: "fraud",
      version: "3",
      description: "Scores card transactions for fraud.",
      hashes: [{ alg: "SHA-256", content: ROOT_HEX }],
    });
    expect(bom.metadata.component.hashes).toEqual([{ alg: "SHA-256", content: ROOT_HEX }]);
  });

  it("carries the model card: task, architecture, metrics as strings sorted by name", () => {
    const card = full().components[0]?.modelCard;
    expect(card?.modelParameters).toMatchObject({
      task: "classification",
      modelArchitecture: "gradient-boosted trees",
    });
    expect(card?.quantitativeAnalysis?.performanceMetrics).toEqual([
      { type: "auc", value: "0.93" },
      { type: "precision", value: "0.9" },
      { type: "recall", value: "0.81" },
    ]);
    expect(card?.considerations).toBeUndefined();
  });

  it("references each lineage dataset by the bom-ref of its data component", () => {
    const bom = full();
    const refs = bom.components[0]?.modelCard?.modelParameters?.datasets?.map((d) => d.ref);
    expect(refs).toEqual(["dataset:transactions-2024-12", `dataset:sha256:${GOLDEN_HEX}`]);
    const byRef = new Map(bom.components.map((c) => [c["bom-ref"], c]));
    for (const ref of refs ?? []) {
      const component = byRef.get(ref);
      expect(component?.type).toBe("data");
      expect(component?.data?.[0]?.type).toBe("dataset");
    }
    // A DatasetRef that is not in the lineage is lookup data, not a component.
    expect(bom.components.map((c) => c.name)).not.toContain("unrelated");
    expect(bom.dependencies).toEqual([
      { ref: "model:fraud@3", dependsOn: refs },
      { ref: "dataset:transactions-2024-12", dependsOn: [] },
      { ref: `dataset:sha256:${GOLDEN_HEX}`, dependsOn: [] },
    ]);
  });

  it("describes a known dataset with its name, version, digest and URL", () => {
    const train = full().components.find((c) => c["bom-ref"] === "dataset:transactions-2024-12");
    expect(train).toEqual({
      type: "data",
      "bom-ref": "dataset:transactions-2024-12",
      name: "transactions",
      version: "2024-12",
      hashes: [{ alg: "SHA-256", content: TRAIN_HEX }],
      externalReferences: [
        { type: "distribution", url: "s3://fraud-data/transactions/2024-12.parquet" },
      ],
      data: [
        {
          type: "dataset",
          name: "transactions",
          contents: { url: "s3://fraud-data/transactions/2024-12.parquet" },
        },
      ],
      properties: [{ name: "rampart:dataset.snapshot", value: "transactions-2024-12" }],
    });
  });

  it("hashes an unknown dataset only when its snapshot id is itself a digest", () => {
    const bom = toCycloneDx(fullVersion(), PINNED);
    const [, byName, byDigest] = bom.components;
    expect(byName?.name).toBe("transactions-2024-12");
    expect(byName?.hashes).toBeUndefined();
    expect(byDigest?.hashes).toEqual([{ alg: "SHA-256", content: GOLDEN_HEX }]);
  });

  it("lists each dataset once even when the lineage repeats it", () => {
    const version = fullVersion();
    version.lineage.datasets = ["a", "b", "a"];
    const bom = toCycloneDx(version, PINNED);
    expect(bom.components.map((c) => c["bom-ref"])).toEqual([
      "model:fraud@3",
      "dataset:a",
      "dataset:b",
    ]);
    expectValid(bom);
  });

  it("records stage, signer, scan and lineage as rampart:* properties", () => {
    const p = props(full().components[0] as CdxComponent);
    expect(p).toMatchObject({
      "rampart:stage": "production",
      "rampart:digest.kind": "oms-root",
      "rampart:encrypted": "true",
      "rampart:signer": "f6".repeat(32),
      "rampart:signer.kind": "key",
      "rampart:signer.keyId": "f6".repeat(32),
      "rampart:signature.verifiedAt": "2025-01-01T10:00:00.000Z",
      "rampart:signature.bundle.sha256": sha256Hex("model.sig"),
      "rampart:scan.maxSeverity": "low",
      "rampart:scan.findings": "2",
      "rampart:lineage.gitCommit": "0123456789abcdef0123456789abcdef01234567",
      "rampart:lineage.parent": "fraud@2",
      "rampart:lineage.parameter.learningRate": "0.1",
      "rampart:lineage.parameter.split": '{"seed":7,"test":0.2}',
      "rampart:createdBy": "ci@build",
    });
  });

  it("names a certificate signer by its identity, and a clean scan as maxSeverity none", () => {
    const version = fullVersion();
    version.signature = {
      bundle: "model.sig",
      signer: { kind: "sigstore", identity: "ci@example.com", issuer: "https://issuer" },
      verifiedAt: "2025-01-01T10:00:00.000Z",
    };
    version.scan = { maxSeverity: null, findings: 0, scannedAt: "2025-01-01T09:00:00.000Z" };
    const p = props(toCycloneDx(version, PINNED).components[0] as CdxComponent);
    expect(p["rampart:signer"]).toBe("ci@example.com");
    expect(p["rampart:signer.issuer"]).toBe("https://issuer");
    expect(p["rampart:scan.maxSeverity"]).toBe("none");
  });

  it("leaves out what a minimal version does not have", () => {
    const bom = minimal();
    const model = bom.components[0] as CdxComponent;
    expect(bom.components).toHaveLength(1);
    // Nothing to say about the model: no empty model card either.
    expect(model.modelCard).toBeUndefined();
    expect(model.description).toBeUndefined();
    const p = props(model);
    expect(p["rampart:stage"]).toBe("none");
    expect(p["rampart:digest.kind"]).toBe("files-manifest");
    expect(Object.keys(p).some((k) => k.startsWith("rampart:signer"))).toBe(false);
    expect(Object.keys(p).some((k) => k.startsWith("rampart:scan"))).toBe(false);
    expect(bom.dependencies).toEqual([{ ref: "model:tiny@1", dependsOn: [] }]);
  });

  it("lists the model's files as nested file components, sorted, with their digests", () => {
    const files = full().components[0]?.components;
    expect(files?.map((f) => [f.type, f.name, f.hashes?.[0]?.content])).toEqual([
      ["file", "config.json", "d4".repeat(32)],
      ["file", "weights.onnx", "c3".repeat(32)],
    ]);
  });

  it("gives every bom-ref once, and every reference points at one", () => {
    const bom = full();
    const refs = allBomRefs(bom);
    expect(new Set(refs).size).toBe(refs.length);
    const pointed = [
      ...bom.dependencies.flatMap((d) => [d.ref, ...d.dependsOn]),
      ...(bom.components[0]?.modelCard?.modelParameters?.datasets ?? []).map((d) => d.ref),
    ];
    for (const ref of pointed) expect(refs).toContain(ref);
  });

  it("refuses a model digest that is not sha256:<hex>", () => {
    const version = fullVersion();
    version.digest = ROOT_HEX;
    expect(() => toCycloneDx(version, PINNED)).toThrow(/not sha256:<hex>/);
  });

  it("parses sha256/384/512 digests and nothing else", () => {
    expect(parseDigest(`sha256:${"AB".repeat(32)}`)).toEqual({
      alg: "SHA-256",
      content: "ab".repeat(32),
    });
    expect(parseDigest(`sha512:${"ab".repeat(64)}`)?.alg).toBe("SHA-512");
    expect(parseDigest(`sha256:${"ab".repeat(31)}`)).toBeUndefined();
    expect(parseDigest(`md5:${"ab".repeat(16)}`)).toBeUndefined();
    expect(parseDigest(undefined)).toBeUndefined();
  });
});

describe("toCycloneDx: deterministic", () => {
  it("the same version and pins give the same BOM, whatever the order of its inputs", () => {
    const a = full();
    const version = fullVersion();
    version.files.reverse();
    version.metrics = { precision: 0.9, recall: 0.81, auc: 0.93 };
    version.lineage.parameters = { trees: 200, split: { seed: 7, test: 0.2 }, learningRate: 0.1 };
    const b = toCycloneDx(version, { ...PINNED, datasets: [...FULL_DATASETS].reverse() });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it("matches the golden BOM (UPDATE_GOLDEN=1 rewrites it after an intended change)", () => {
    const text = `${JSON.stringify(full(), null, 2)}\n`;
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, text);
    const golden = readFileSync(GOLDEN, "utf8");
    expect(text).toBe(golden);
    expectValid(JSON.parse(golden));
  });
});
