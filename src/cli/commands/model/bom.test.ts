import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Command, CommanderError } from "commander";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ExitCode } from "../../../core/index.js";
import { FULL_DATASETS, fullVersion, ROOT_HEX } from "../../../model/bom/testing/fixtures.js";
import { describeErrors, validateCycloneDx16 } from "../../../model/bom/testing/schema.js";
import {
  type ModelVersion,
  type RegisterResult,
  RegistryContext,
  registerModel,
} from "../../../model/registry/index.js";
import { makeModelFolder, makeSigningKey, sign } from "../../../model/registry/testing.js";
import { BlobStore } from "../../../store/index.js";
import { main } from "../../main.js";
import type { OutputStreams } from "../../output.js";
import { Project } from "../../project.js";
import type { RunState } from "../../runner.js";
import { type BomSource, registerModelBom } from "./bom.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function capture(): { streams: OutputStreams; text: () => { stdout: string; stderr: string } } {
  let stdout = "";
  let stderr = "";
  const sink = (append: (s: string) => void) =>
    ({
      write: (chunk: string | Uint8Array) => {
        append(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  return {
    streams: {
      stdout: sink((s) => {
        stdout += s;
      }),
      stderr: sink((s) => {
        stderr += s;
      }),
    },
    text: () => ({ stdout, stderr }),
  };
}

/** The `model bom` verb on a bare program, with a registry that holds only `versions`. */
async function run(argv: string[], versions: ModelVersion[] = [fullVersion()]): Promise<Run> {
  const { streams, text } = capture();
  const state: RunState = { exitCode: ExitCode.ok, streams };
  const loaded: string[] = [];
  const source: BomSource = {
    loadVersion: async (_project, name, version) =>
      versions.find((v) => v.name === name && v.version === version),
    loadDatasets: async (_project, ids) => {
      loaded.push(...ids);
      return FULL_DATASETS.filter((d) => ids.includes(d.id));
    },
  };
  const program = new Command("rampart").option("--json").option("--db <path>").exitOverride();
  program.configureOutput({ writeOut: () => {}, writeErr: () => {} });
  const model = program.command("model").exitOverride();
  registerModelBom(model, state, source);
  for (const c of model.commands) c.exitOverride().configureOutput(program.configureOutput());
  try {
    await program.parseAsync(["node", "rampart", ...argv]);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return { code: ExitCode.usage, ...text() };
  }
  return { code: state.exitCode, ...text() };
}

function errorCode(r: Run): unknown {
  return (JSON.parse(r.stdout) as { error?: { code?: string } }).error?.code;
}

describe("rampart model bom", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "rampart-bom-"));
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints a valid CycloneDX 1.6 BOM of the version, datasets included, to stdout", async () => {
    const r = await run(["model", "bom", "fraud@3"]);
    expect(r.code).toBe(0);
    const bom = JSON.parse(r.stdout) as { components: { "bom-ref": string; hashes?: unknown }[] };
    const result = validateCycloneDx16(bom);
    expect(result.valid, describeErrors(result.errors)).toBe(true);
    expect(bom.components[0]).toMatchObject({
      "bom-ref": "model:fraud@3",
      hashes: [{ alg: "SHA-256", content: ROOT_HEX }],
    });
    // The dataset lookup reached the BOM: the known snapshot carries its digest.
    expect(bom.components[1]?.hashes).toBeDefined();
  });

  it("prints the BOM itself with --json too, so `> bom.json` keeps working", async () => {
    const r = await run(["--json", "model", "bom", "fraud@3"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6" });
  });

  it("-o writes the BOM atomically and says where; --json says it as a document", async () => {
    const file = join(dir, "fraud-3.cdx.json");
    const r = await run(["model", "bom", "fraud@3", "--format", "cyclonedx", "-o", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ML-BOM of fraud@3 written to/);
    expect(validateCycloneDx16(JSON.parse(readFileSync(file, "utf8"))).valid).toBe(true);
    expect(readdirSync(dir)).toEqual(["fraud-3.cdx.json"]);

    const again = await run(["--json", "model", "bom", "fraud@3", "-o", file]);
    expect(JSON.parse(again.stdout)).toMatchObject({
      schema: "rampart/model-bom@1",
      ok: true,
      findings: [],
      model: { name: "fraud", version: "3" },
      format: "cyclonedx",
      specVersion: "1.6",
      output: file,
    });
  });

  it("-o into a missing folder is E_IO, and leaves nothing behind", async () => {
    const r = await run(["--json", "model", "bom", "fraud@3", "-o", join(dir, "no/such/bom.json")]);
    expect(r.code).toBe(ExitCode.usage);
    expect(errorCode(r)).toBe("E_IO");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("refuses any --format but cyclonedx with E_USAGE and a hint", async () => {
    const r = await run(["model", "bom", "fraud@3", "--format", "spdx"]);
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toMatch(/--format "spdx" is not supported/);
    expect(r.stderr).toMatch(/hint: use one of cyclonedx/);
    expect(r.stdout).toBe("");
  });

  it("an unknown version is E_USAGE pointing at rampart model list", async () => {
    const r = await run(["--json", "model", "bom", "fraud@9"]);
    expect(r.code).toBe(ExitCode.usage);
    expect(JSON.parse(r.stdout)).toMatchObject({
      schema: "rampart/model-bom@1",
      ok: false,
      error: { code: "E_USAGE", message: "no model fraud version 9; see rampart model list" },
    });
  });

  it("a model without @VERSION, or with an invalid name, is E_USAGE", async () => {
    for (const bad of ["fraud", "fraud@", "@3", "fr aud@3"]) {
      const r = await run(["--json", "model", "bom", bad]);
      expect(r.code, bad).toBe(ExitCode.usage);
      expect(errorCode(r), bad).toBe("E_USAGE");
    }
  });

  it("a scoped model name works", async () => {
    const scoped = { ...fullVersion(), name: "@team/fraud" };
    const r = await run(["model", "bom", "@team/fraud@3"], [scoped]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).components[0]["bom-ref"]).toBe("model:@team/fraud@3");
  });

  it("outside an initialized project the real command is E_NOT_INITIALIZED, exit 2", async () => {
    const { streams, text } = capture();
    const code = await main(
      ["node", "rampart", "--json", "--db", join(dir, "none.db"), "model", "bom", "fraud@3"],
      streams,
    );
    expect(code).toBe(ExitCode.usage);
    expect(errorCode({ code, ...text() })).toBe("E_NOT_INITIALIZED");
    expect(existsSync(join(dir, "none.db"))).toBe(false);
  });

  it("end to end: a signed version registered in a project gives a valid BOM of it", async () => {
    // The project's own SQLite file and key, whatever this shell points at.
    vi.stubEnv("RAMPART_DATABASE_URL", "");
    vi.stubEnv("RAMPART_LEDGER_KEY_FILE", "");
    const config = join(dir, "rampart.yaml");
    const db = join(dir, "rampart.db");
    const init = capture();
    expect(
      await main(["node", "rampart", "--config", config, "--db", db, "init"], init.streams),
    ).toBe(0);

    const key = makeSigningKey(join(dir, "keys"), "trusted");
    const modelPath = makeModelFolder(join(dir, "fraud"));
    const signaturePath = await sign(modelPath, key);
    const project = Project.load({ config, db });
    const registryConfig = structuredClone(project.config);
    registryConfig.models.promotion.trusted_keys = [key.publicKeyPath];
    const store = await project.openStore();
    const ledger = project.openWriter(store);
    let registered: RegisterResult;
    try {
      const ctx = new RegistryContext({
        store,
        blobs: new BlobStore(join(dir, "blobs")),
        config: registryConfig,
        resolvePath: (p) => resolve(dir, p),
        ledger,
        actor: "alice@test",
      });
      registered = await registerModel(ctx, {
        path: modelPath,
        name: "fraud",
        datasets: ["tx-2024-12"],
        metrics: { auc: 0.93 },
        signaturePath,
        card: { task: "classification", architecture: "mlp" },
      });
    } finally {
      await ledger.close();
      await store.close();
    }
    expect(registered.ok).toBe(true);
    const { version } = registered.version;

    const r = capture();
    const code = await main(
      ["node", "rampart", "--config", config, "--db", db, "model", "bom", `fraud@${version}`],
      r.streams,
    );
    expect(code, r.text().stderr).toBe(0);
    const bom = JSON.parse(r.text().stdout);
    const result = validateCycloneDx16(bom);
    expect(result.valid, describeErrors(result.errors)).toBe(true);
    const model = bom.components[0];
    expect(model).toMatchObject({
      "bom-ref": `model:fraud@${version}`,
      hashes: [{ alg: "SHA-256", content: registered.version.digest.slice("sha256:".length) }],
      modelCard: {
        modelParameters: {
          task: "classification",
          modelArchitecture: "mlp",
          datasets: [{ ref: "dataset:tx-2024-12" }],
        },
        quantitativeAnalysis: { performanceMetrics: [{ type: "auc", value: "0.93" }] },
      },
    });
    const props = Object.fromEntries(
      (model.properties as { name: string; value: string }[]).map((p) => [p.name, p.value]),
    );
    expect(props["rampart:stage"]).toBe("none");
    expect(props["rampart:digest.kind"]).toBe("oms-root");
    expect(props["rampart:signer"]).toBeDefined();
    expect(props["rampart:scan.maxSeverity"]).toBeDefined();
    expect(bom.components[1]).toMatchObject({ type: "data", "bom-ref": "dataset:tx-2024-12" });

    const missing = capture();
    const args = ["node", "rampart", "--json", "--config", config, "--db", db, "model", "bom"];
    expect(await main([...args, "fraud@99"], missing.streams)).toBe(ExitCode.usage);
    expect(JSON.parse(missing.text().stdout).error).toMatchObject({
      code: "E_USAGE",
      message: "no model fraud version 99; see rampart model list",
    });
  });
});
