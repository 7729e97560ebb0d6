import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RampartError } from "../../core/index.js";
import { BlobStore } from "./index.js";

describe("BlobStore", () => {
  let root: string;
  let blobs: BlobStore;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "rampart-blobs-"));
    blobs = new BlobStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("stores content under its SHA-256 and reads it back", async () => {
    const data = Buffer.from("model weights, or a manifest");
    const ref = await blobs.put(data);
    const hex = createHash("sha256").update(data).digest("hex");
    expect(ref).toEqual({ digest: `sha256:${hex}`, size: data.length });
    expect(blobs.pathOf(ref.digest)).toBe(join(root, "sha256", hex.slice(0, 2), hex));
    expect(await blobs.get(ref.digest)).toEqual(data);
    expect(await blobs.has(ref.digest)).toBe(true);
  });

  it("streams large input without buffering it whole, and hashes it right", async () => {
    const chunk = Buffer.alloc(1 << 20, 7);
    const count = 24;
    async function* source() {
      for (let i = 0; i < count; i++) yield chunk;
    }
    const ref = await blobs.put(Readable.from(source()));
    const hash = createHash("sha256");
    for (let i = 0; i < count; i++) hash.update(chunk);
    expect(ref).toEqual({ digest: `sha256:${hash.digest("hex")}`, size: count * chunk.length });
    expect(await blobs.verify(ref.digest)).toBe(true);
  });

  it("fails loudly when the bytes on disk were changed", async () => {
    const ref = await blobs.put("the original bytes");
    const path = blobs.pathOf(ref.digest);
    const bytes = readFileSync(path);
    bytes[3] = (bytes[3] as number) ^ 1;
    writeFileSync(path, bytes);
    await expect(blobs.get(ref.digest)).rejects.toMatchObject({ code: "E_BLOB_CORRUPT" });
    expect(await blobs.verify(ref.digest)).toBe(false);
  });

  it("says which blob is missing", async () => {
    const missing = `sha256:${"ab".repeat(32)}`;
    await expect(blobs.get(missing)).rejects.toMatchObject({ code: "E_BLOB_NOT_FOUND" });
    expect(await blobs.has(missing)).toBe(false);
  });

  it("rejects a malformed digest instead of touching the file system with it", () => {
    expect(() => blobs.pathOf("sha256:../../etc/passwd")).toThrow(RampartError);
    expect(() => blobs.pathOf("md5:abc")).toThrow(/not a sha256 digest/);
  });

  it("leaves no partial file behind when the source fails mid-stream", async () => {
    async function* failing() {
      yield Buffer.from("half of a model");
      throw new Error("network dropped");
    }
    await expect(blobs.put(Readable.from(failing()))).rejects.toMatchObject({ code: "E_IO" });
    expect(readdirSync(join(root, "tmp"))).toEqual([]);
    expect(() => readdirSync(join(root, "sha256"))).toThrow();
  });

  it("storing the same content twice is harmless", async () => {
    const a = await blobs.put("same");
    const b = await blobs.put(Buffer.from("same"));
    expect(a).toEqual(b);
    expect((await blobs.get(a.digest)).toString()).toBe("same");
  });
});
