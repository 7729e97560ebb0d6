import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, rampart } from "../../../../test/cli.js";
import { flipRandomLabels, loadFixture } from "../../../data/poisoning/testing/index.js";

/** 300 breast_cancer rows, 6 features, a vendor column, 10% of labels flipped. */
function writeAttackedCsv(path: string): Uint8Array {
  const data = loadFixture("breast_cancer");
  const n = 300;
  const f = 6;
  const attack = flipRandomLabels(data.y.subarray(0, n), 2, 0.1, 7);
  const lines = [[...data.featureNames.slice(0, f), "vendor", "diagnosis"].join(",")];
  for (let i = 0; i < n; i++) {
    const features = Array.from(data.X.subarray(i * data.nFeatures, i * data.nFeatures + f));
    const label = attack.y[i] === 1 ? "benign" : "malignant";
    lines.push([...features, ["acme", "globex", "initech"][i % 3], label].join(","));
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
  return attack.poisoned;
}

describe("rampart data inspect", () => {
  let dir: string;
  let poisoned: Uint8Array;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "rampart-inspect-cli-"));
    poisoned = writeAttackedCsv(join(dir, "train.csv"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("finds the flipped labels, prints the contract document and writes clean/quarantine copies", () => {
    const run = rampart(dir, [
      "--json",
      "data",
      "inspect",
      "train.csv",
      "--label",
      "diagnosis",
      "--source-column",
      "vendor",
      "--write-clean",
      "clean.csv",
      "--write-quarantine",
      "quarantine.csv",
    ]);
    const doc = json(run);
    expect(run.code, run.stderr).toBe(1);
    expect(doc.schema).toBe("rampart/data-inspect@1");
    expect(doc.ok).toBe(false);
    const findings = doc.findings as { detector: string; severity: string }[];
    expect(findings[0]).toMatchObject({ detector: "data.poisoning.labelNoise", severity: "high" });
    const rows = doc.rows as { row: number; score: number; flagged: boolean; reasons: string[] }[];
    expect(rows).toHaveLength(300);
    const flagged = rows.filter((r) => r.flagged);
    const caught = flagged.filter((r) => poisoned[r.row]).length;
    const total = poisoned.reduce((a, b) => a + b, 0);
    expect(caught / total).toBeGreaterThan(0.7);
    expect(caught / flagged.length).toBeGreaterThan(0.6);
    expect(flagged.find((r) => poisoned[r.row])!.reasons.join(" ")).toMatch(
      /labelled '(benign|malignant)'/,
    );
    const sources = doc.sources as { source: string; score: number; flagged: boolean }[];
    expect(sources.map((s) => s.source).sort()).toEqual(["acme", "globex", "initech"]);
    const lineCount = (name: string) =>
      readFileSync(join(dir, name), "utf8").trim().split("\n").length - 1;
    expect(lineCount("clean.csv")).toBe(300 - flagged.length);
    expect(lineCount("quarantine.csv")).toBe(flagged.length);
  });

  it("prints findings, top rows and sources for people; --fail-on critical exits 0", () => {
    const run = rampart(dir, [
      "data",
      "inspect",
      "train.csv",
      "--label",
      "diagnosis",
      "--source-column",
      "vendor",
      "--detectors",
      "labelNoise,perSource",
      "--top",
      "3",
      "--fail-on",
      "critical",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/dataset:train\.csv: 300 rows, \d+ flagged/);
    expect(run.stdout).toMatch(/high\s+labelNoise\s+\d+ of 300 rows/);
    expect(run.stdout).toMatch(/top flagged rows \(3 of \d+\)/);
    expect(run.stdout).toMatch(/SOURCE\s+SCORE\s+FLAGGED/);
    expect(run.stdout).toMatch(/✓ no finding at or above critical/);
  });

  it("exits 2 with a hint on a missing label column or an unknown detector", () => {
    const missing = rampart(dir, ["data", "inspect", "train.csv", "--label", "target"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no column "target"/);
    expect(missing.stderr).not.toMatch(/at .*\.ts:\d+/);
    const unknown = rampart(dir, [
      "data",
      "inspect",
      "train.csv",
      "--label",
      "diagnosis",
      "--detectors",
      "tarot",
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/hint: use some of labelNoise/);
  });
});
