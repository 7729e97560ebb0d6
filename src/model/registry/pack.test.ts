import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { canonicalBytes } from "../../core/index.js";
import { BlobStore } from "../../store/index.js";
import { artifactWriter } from "./artifactBlobs.js";
import { encodeManifest, PACK_SCHEMA, type PackManifest, parseManifest } from "./manifest.js";
import { parseModelRef } from "./names.js";
import { packArtifact } from "./pack.js";

describe("packing a model into the blob store", () => {
  let dir: string;
  let blobs: BlobStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "rampart-pack-"));
    blobs = new BlobStore(join(dir, "blobs"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const pack = (path: string, exclude: string[] = []) =>
    packArtifact(path, artifactWriter(blobs, undefined), blobs, { exclude });

  it("lists files by name with / separators and excludes what it is told to", async () => {
    const model = join(dir, "model");
    mkdirSync(join(model, "b", "c"), { recursive: true });
    mkdirSync(join(model, "empty"));
    writeFileSync(join(model, "b", "c", "x.bin"), "x");
    writeFileSync(join(model, "a.json"), "{}");
    writeFileSync(join(model, "model.sig"), "sig");
    const packed = await pack(model, [join(model, "model.sig")]);
    expect(packed.files.map((f) => f.name)).toEqual(["a.json", "b/c/x.bin"]);
    expect(packed.manifest).toMatchObject({ schema: PACK_SCHEMA, layout: "folder", root: "model" });
    expect(parseManifest(await blobs.get(packed.blob), "t")).toEqual(packed.manifest);
  });

  it("refuses links inside the folder, and empty folders", async () => {
    const model = join(dir, "model");
    mkdirSync(model);
    await expect(pack(model)).rejects.toThrow(/holds no files/);
    writeFileSync(join(model, "w.bin"), "w");
    symlinkSync("/etc/passwd", join(model, "leak"));
    await expect(pack(model)).rejects.toThrow(/leak is a symbolic link/);
  });
});

describe("reading a pack manifest", () => {
  const good: PackManifest = {
    schema: PACK_SCHEMA,
    layout: "folder",
    root: "m",
    encryption: null,
    files: [
      { name: "a", size: 1, digest: `sha256:${"a".repeat(64)}`, blob: `sha256:${"a".repeat(64)}` },
      {
        name: "b/c",
        size: 1,
        digest: `sha256:${"b".repeat(64)}`,
        blob: `sha256:${"b".repeat(64)}`,
      },
    ],
  };
  const withFiles = (names: string[], extra: Partial<PackManifest> = {}) =>
    canonicalBytes({
      ...good,
      ...extra,
      files: names.map((name, i) => ({ ...good.files[i % 2], name })),
    });

  it("round-trips", () => {
    expect(parseManifest(encodeManifest(good), "t")).toEqual(good);
  });

  it("refuses names that would write outside the restore folder, and unsorted or repeated names", () => {
    const cases: [Buffer, RegExp][] = [
      [withFiles(["../../etc/cron.d/x"]), /unsafe file name/],
      [withFiles(["/abs"]), /unsafe file name/],
      [withFiles(["a/./b"]), /unsafe file name/],
      [withFiles(["a\\b"]), /unsafe file name/],
      [withFiles(["b", "a"]), /not sorted/],
      [withFiles(["a", "a"]), /not sorted/],
      [withFiles(["x"], { layout: "file" }), /exactly one file named '.'/],
      [canonicalBytes({ ...good, root: "../up" }), /root/],
      [Buffer.from("not json"), /not JSON/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => parseManifest(bytes, "t"), message.source).toThrow(message);
    }
  });
});

describe("model references", () => {
  it("splits NAME@VERSION at the last @, keeping a scope in the name", () => {
    expect(parseModelRef("fraud@3")).toEqual({ name: "fraud", version: "3" });
    expect(parseModelRef("@team/fraud@1.2.0")).toEqual({ name: "@team/fraud", version: "1.2.0" });
    for (const bad of ["fraud", "fraud@", "@3", "fr aud@1", "fraud@1/2", "a:b@1"]) {
      expect(() => parseModelRef(bad), bad).toThrow(expect.objectContaining({ code: "E_USAGE" }));
    }
  });
});
