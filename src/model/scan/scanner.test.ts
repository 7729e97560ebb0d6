import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RampartError } from "../../core/index.js";
import { buildTar, buildZip } from "./archive/testdata/build.js";
import { defaultPolicy } from "./policy/index.js";
import { SCANNERS } from "./registry.js";
import type { ScanReport } from "./report.js";
import { scanPaths } from "./scanner.js";
import type { FormatScanner } from "./types.js";

/** End to end through the registry: detection by content, recursion, limits, findings. */
const here = import.meta.dirname;
const fixture = (path: string): Buffer => readFileSync(join(here, path));
const EVIL = fixture("pickle/testdata/reduce_os_system_p2.pkl");

const serious = (r: ScanReport) => r.findings.filter((f) => !["info", "low"].includes(f.severity));

describe("scanPaths", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "rampart-scan-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const scan = (paths = [dir], scanners: readonly FormatScanner[] = SCANNERS, limits = {}) =>
    scanPaths(paths, { scanners, policy: defaultPolicy(), baseDir: dir, limits });

  it("detects a pickle by content whatever its name, and names the global and offset", async () => {
    for (const name of ["weights.bin", "model.txt", "README", "vocab.json"]) {
      writeFileSync(join(dir, name), EVIL);
    }
    const report = await scan();
    expect(report.files.map((f) => [f.path, f.format])).toEqual([
      ["README", "pickle"],
      ["model.txt", "pickle"],
      ["vocab.json", "pickle"],
      ["weights.bin", "pickle"],
    ]);
    const critical = report.findings.filter((f) => f.severity === "critical");
    expect(critical).toHaveLength(4);
    expect(critical[0]?.title).toMatch(/(os|posix)\.system/);
    expect(critical[0]?.evidence).toMatchObject({
      rule: "pickle.dangerous-global",
      format: "pickle",
    });
    expect(typeof critical[0]?.evidence.offset).toBe("number");
    expect(critical[0]?.threats.map((t) => t.id)).toEqual(
      expect.arrayContaining(["AML.T0011.000", "ML06"]),
    );
    expect(critical[0]?.asset.version).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("finds a payload three containers deep (gzip > tar > zip > pickle) and says where", async () => {
    const zip = buildZip([
      { name: "archive/README.txt", data: "just text" },
      { name: "archive/payload.bin", data: EVIL, method: 8 },
    ]);
    const tar = buildTar([{ name: "models/inner.zip", data: zip }]);
    writeFileSync(join(dir, "bundle.tgz"), gzipSync(tar));
    const report = await scan();
    expect(report.files).toHaveLength(1);
    expect(report.files[0]?.format).toBe("gzip");
    const hit = report.findings.find((f) => f.severity === "critical");
    expect(hit?.evidence.location).toMatch(
      /^bundle\.tgz!\/.+!\/models\/inner\.zip!\/archive\/payload\.bin$/,
    );
    expect(report.files[0]?.findings).toContain(hit?.id);
  });

  it("stops at the depth limit with a high finding instead of recursing forever", async () => {
    let data: Uint8Array = EVIL;
    for (let i = 0; i < 6; i++) data = buildZip([{ name: `level${i}.zip`, data }]);
    writeFileSync(join(dir, "deep.zip"), data);
    const report = await scan([dir], SCANNERS, { maxDepth: 3 });
    expect(report.findings.map((f) => f.evidence.rule)).toContain("container.too-deep");
    expect(report.findings.some((f) => f.evidence.rule === "pickle.dangerous-global")).toBe(false);
    const deeper = await scan([dir], SCANNERS, { maxDepth: 8 });
    expect(deeper.findings.some((f) => f.evidence.rule === "pickle.dangerous-global")).toBe(true);
  });

  it("a scanner that fails makes a high finding and an error, never a clean file", async () => {
    writeFileSync(join(dir, "x.pkl"), EVIL);
    const broken: FormatScanner = {
      format: "pickle",
      description: "always fails",
      detect: () => true,
      scan: async () => {
        throw new Error("parser exploded");
      },
    };
    const report = await scan([dir], [broken]);
    expect(report.errors).toEqual([
      { path: "x.pkl", message: "pickle scanner failed: parser exploded" },
    ]);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({
      severity: "high",
      evidence: { rule: "scan.incomplete" },
    });
  });

  it("skips what it does not recognise and symbolic links, and says why", async () => {
    writeFileSync(join(dir, "notes.md"), "# just some notes\n");
    writeFileSync(join(dir, "evil.pkl"), EVIL);
    symlinkSync(join(dir, "evil.pkl"), join(dir, "link.pkl"));
    const report = await scan();
    expect(report.skipped).toEqual([
      { path: join(dir, "link.pkl"), reason: "symbolic link, not followed" },
      { path: "notes.md", reason: "not a model or archive format Rampart recognises" },
    ]);
    expect(report.files.map((f) => f.path)).toEqual(["evil.pkl"]);
  });

  it("refuses a path that does not exist with a usage error", async () => {
    await expect(scan([join(dir, "nope")])).rejects.toBeInstanceOf(RampartError);
  });

  it("gives the same finding the same id on every scan", async () => {
    writeFileSync(join(dir, "evil.pkl"), EVIL);
    const a = await scan();
    const b = await scan();
    expect(a.findings.map((f) => f.id)).toEqual(b.findings.map((f) => f.id));
  });

  it("real benign models of every format are not flagged above low", async () => {
    const benign = [
      "pickle/testdata/torch_legacy_state_dict.pt",
      "pickle/testdata/torch_legacy_full_module.pt",
      "pickle/testdata/sklearn_logistic_regression.pkl",
      "pickle/testdata/numpy_arrays_p2.pkl",
      "archive/testdata/torch_state_dict.pt",
      "archive/testdata/torch_module.pt",
      "archive/testdata/torchscript.pt",
      "archive/testdata/logreg.joblib",
      "archive/testdata/logreg.joblib.gz",
      "archive/testdata/logreg.joblib.bz2",
      "archive/testdata/logreg.joblib.xz",
      "archive/testdata/logreg.joblib.lz4",
      "archive/testdata/logreg.joblib.z",
      "archive/testdata/float.npy",
      "archive/testdata/arrays.npz",
      "formats/testdata/tiny_mlp.onnx",
      "formats/testdata/benign.safetensors",
      "formats/testdata/benign.gguf",
      "formats/testdata/keras_benign.h5",
    ];
    mkdirSync(join(dir, "models"));
    for (const path of benign)
      writeFileSync(join(dir, "models", path.replaceAll("/", "_")), fixture(path));
    const report = await scan();
    expect(report.files).toHaveLength(benign.length);
    expect(report.errors).toEqual([]);
    expect(serious(report).map((f) => `${f.evidence.file}: ${f.title}`)).toEqual([]);
  });
});
