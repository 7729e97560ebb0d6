/**
 * Rampart's statements equal the reference's for the same inputs: the `payloads/` vectors are the
 * unsigned in-toto statements `model_signing` produces for the fixtures of its own test suite
 * (tests/conftest.py), rebuilt here byte for byte.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serializeModel } from "./manifest.js";
import { buildStatement, encodeStatement } from "./statement.js";
import { HAS_INTEROP, INTEROP, tempDir, writeTree } from "./testing/fixtures.js";

const PAYLOADS = join(INTEROP, "payloads");
const ABSENT = HAS_INTEROP ? "" : ` (SKIPPED: ${INTEROP} is absent)`;
const NAMES = HAS_INTEROP ? readdirSync(PAYLOADS).sort() : [];
/** The reference's `KNOWN_MODEL_TEXT`. */
const KNOWN_MODEL_TEXT = "This is a simple model";

/** Fixture name in the payload file → model path (relative to the scratch folder). */
const FIXTURES: Record<string, string> = {
  sample_model_file: "file_model",
  empty_model_file: "empty_file_model",
  sample_model_folder: "sample_model",
  empty_model_folder: "empty_folder_model",
  deep_model_folder: "deep_model",
  model_folder_with_empty_file: "empty_file_inside_model",
  symlink_model_folder: "symlink_model",
};

let scratch = "";
beforeAll(() => {
  scratch = tempDir("rampart-payloads-");
  // Rebuilt from tests/conftest.py of sigstore/model-transparency.
  writeFileSync(join(scratch, "file_model"), KNOWN_MODEL_TEXT);
  writeFileSync(join(scratch, "empty_file_model"), "");
  const sample: Record<string, string> = {};
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 3; j++) sample[`d${i}/f${i}${j}`] = `This is file f${i}${j} in d${i}.`;
  }
  for (let i = 0; i < 4; i++) sample[`f${i}`] = `This is file f${i} in root.`;
  writeTree(join(scratch, "sample_model"), sample);
  mkdirSync(join(scratch, "empty_folder_model"));
  const deep: Record<string, string> = {};
  for (let i = 0; i < 4; i++) deep[`d0/d1/d2/d3/d4/f${i}`] = `This is file f${i}.`;
  writeTree(join(scratch, "deep_model"), deep);
  writeTree(join(scratch, "empty_file_inside_model"), { empty_file: "" });
  writeFileSync(join(scratch, "outside_file"), KNOWN_MODEL_TEXT);
  mkdirSync(join(scratch, "symlink_model"));
  symlinkSync(join(scratch, "outside_file"), join(scratch, "symlink_model/symlink_file"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it.skipIf(!HAS_INTEROP)(`finds the 21 reference payloads${ABSENT}`, () => {
  expect(NAMES).toHaveLength(21);
});

describe.each(NAMES)("payload %s", (name) => {
  it("is reproduced exactly (up to the reference printing shard_size as a float)", async () => {
    const match = /^(.*?)(_shard|_small_shards)?$/.exec(name);
    const fixture = FIXTURES[match?.[1] ?? ""];
    expect(fixture, name).toBeDefined();
    const shardSize = { _shard: 1_000_000_000, _small_shards: 8 }[match?.[2] ?? ""];
    const manifest = await serializeModel(join(scratch, fixture ?? ""), {
      method: shardSize === undefined ? "files" : "shards",
      ...(shardSize === undefined ? {} : { shardSize }),
      allowSymlinks: true,
    });
    const expectedText = readFileSync(join(PAYLOADS, name), "utf8");
    const statement = buildStatement(manifest);
    expect(statement).toEqual(JSON.parse(expectedText));
    // Same bytes too, once the reference's `8.0` is printed as JSON's `8`.
    expect(encodeStatement(statement).toString("utf8")).toBe(
      expectedText.trimEnd().replace(/("shard_size": \d+)\.0\b/, "$1"),
    );
  });
});
