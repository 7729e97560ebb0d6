import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { runScanner } from "../testing/scanHarness.js";
import type { ScanIssue } from "../types.js";
import { kerasH5Scanner, looksLikeHdf5 } from "./kerasH5.js";

const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`./testdata/${name}`, import.meta.url)));

async function scan(bytes: Uint8Array, limits = {}): Promise<ScanIssue[]> {
  return (await runScanner(kerasH5Scanner, bytes, { name: "model.h5", limits })).issues;
}

const tempDirs = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith("rampart-h5-"));

describe("keras-h5", () => {
  it("detects HDF5 at offset 0 and after a user block", () => {
    expect(looksLikeHdf5(fixture("keras_benign.h5"))).toBe(true);
    const userBlock = fixture("keras_userblock.h5");
    expect(looksLikeHdf5(userBlock.subarray(0, 512))).toBe(false);
    expect(looksLikeHdf5(userBlock.subarray(0, 1024))).toBe(true);
    expect(looksLikeHdf5(fixture("tiny_mlp.onnx"))).toBe(false);
  });

  it("flags the Lambda nested in a Sequential inside a Functional, with its bytecode names", async () => {
    const issues = await scan(fixture("keras_lambda_nested.h5"));
    expect(issues.map((i) => i.rule)).toEqual(["keras-h5.lambda-layer"]);
    expect(issues[0]!.severity).toBe("critical");
    expect(issues[0]!.evidence).toMatchObject({
      origin: "model_config",
      layers: "model/inner/lambda",
      path: "$.config.layers[1].config.layers[2]",
      function: { kind: "bytecode", payload: "marshalled Python code object" },
    });
    expect((issues[0]!.evidence.function as { names: string[] }).names).toEqual(
      expect.arrayContaining(["__import__", "os", "system"]),
    );
  });

  it("finds nothing in a benign model or a weights-only file", async () => {
    expect(await scan(fixture("keras_benign.h5"))).toEqual([]);
    expect(await scan(fixture("keras_weights_only.h5"))).toEqual([]);
  });

  it("reads a file with a user block (a Keras 3 config with a TFSMLayer)", async () => {
    const issues = await scan(fixture("keras_userblock.h5"));
    expect(issues.map((i) => i.rule)).toEqual(["keras-h5.tfsm-layer"]);
  });

  it("reports a config Keras cannot parse", async () => {
    const issues = await scan(fixture("keras_bad_config.h5"));
    expect(issues.map((i) => [i.rule, i.severity])).toEqual([["keras-h5.unparseable", "medium"]]);
  });

  it("reports an unreadable file instead of crashing, and removes its temporary copy", async () => {
    const before = tempDirs().length;
    const garbage = new Uint8Array(4096).fill(0x41);
    garbage.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    const truncated = fixture("keras_lambda_nested.h5").subarray(0, 1500);
    for (const bytes of [garbage, truncated]) {
      const issues = await scan(bytes);
      expect(issues.map((i) => i.rule)).toEqual(["keras-h5.unreadable"]);
      expect(issues[0]!.severity).toBe("medium");
    }
    expect(tempDirs().length).toBe(before);
  });

  it("does not copy inputs over the size limit", async () => {
    const issues = await scan(fixture("keras_benign.h5"), { maxExpandedBytes: 1000 });
    expect(issues.map((i) => i.rule)).toEqual(["keras-h5.too-large"]);
  });

  it("survives corrupted copies of a real model", async () => {
    const base = fixture("keras_lambda_nested.h5");
    for (let seed = 1; seed <= 40; seed++) {
      const bytes = base.slice();
      let state = seed;
      for (let i = 0; i < 8; i++) {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        bytes[8 + (state % (bytes.length - 8))] = state & 0xff;
      }
      const issues = await scan(bytes);
      for (const issue of issues) expect(issue.rule).toMatch(/^keras-h5\./);
    }
    // Some of these make libhdf5 abort(); later scans still work (on a fresh instance).
    const after = await scan(base);
    expect(after.map((i) => i.rule)).toEqual(["keras-h5.lambda-layer"]);
  });
});
