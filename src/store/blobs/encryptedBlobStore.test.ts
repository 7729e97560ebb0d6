import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BlobStore } from "./blobStore.js";
import {
  DEFAULT_SEGMENT_BYTES,
  decryptChunks,
  ENCRYPTED_HEADER_BYTES,
  EncryptedBlobStore,
  encryptChunks,
  isEncryptedBlob,
  type Kek,
  kekFromBytes,
  loadKek,
} from "./encryptedBlobStore.js";

const SEGMENT = 64;
const SEALED = SEGMENT + 16;

async function encrypt(plain: Buffer, kek: Kek, segmentBytes = SEGMENT): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of encryptChunks(Readable.from([plain]), kek, { segmentBytes })) out.push(c);
  return Buffer.concat(out);
}

async function decrypt(sealed: Buffer, kek: Kek, pieces = 1): Promise<Buffer> {
  // Feed it in uneven pieces: segment boundaries must not depend on how reads fall.
  const parts: Buffer[] = [];
  const step = Math.max(1, Math.ceil(sealed.length / pieces));
  for (let i = 0; i < sealed.length; i += step) parts.push(sealed.subarray(i, i + step));
  const out: Buffer[] = [];
  for await (const c of decryptChunks(Readable.from(parts), kek, "test blob")) out.push(c);
  return Buffer.concat(out);
}

describe("encrypted blobs (AES-256-GCM envelope, STREAM segments)", () => {
  const kek = kekFromBytes(randomBytes(32));

  it("round-trips empty, exact-segment, and ragged plaintexts, however the bytes arrive", async () => {
    for (const size of [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT, 5 * SEGMENT + 7]) {
      const plain = randomBytes(size);
      const sealed = await encrypt(plain, kek);
      const segments = Math.max(1, Math.ceil(size / SEGMENT));
      expect(sealed.length, `size ${size}`).toBe(ENCRYPTED_HEADER_BYTES + size + 16 * segments);
      expect(isEncryptedBlob(sealed)).toBe(true);
      for (const pieces of [1, 3, 17]) {
        expect((await decrypt(sealed, kek, pieces)).equals(plain), `size ${size}`).toBe(true);
      }
    }
  });

  it("never writes the plaintext or the same ciphertext twice (fresh data key per blob)", async () => {
    const plain = Buffer.alloc(4 * SEGMENT, 0x41);
    const a = await encrypt(plain, kek);
    const b = await encrypt(plain, kek);
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.alloc(32, 0x41))).toBe(false);
  });

  it("a flipped byte anywhere (header, wrapped key, ciphertext, tag) fails with E_BLOB_CORRUPT", async () => {
    const sealed = await encrypt(randomBytes(3 * SEGMENT + 5), kek);
    const offsets = [
      9, // segment size
      21, // nonce prefix
      30, // wrap nonce
      50, // wrapped key
      80, // wrap tag
      ENCRYPTED_HEADER_BYTES + 3, // first segment's ciphertext
      ENCRYPTED_HEADER_BYTES + SEALED - 1, // first segment's tag
      ENCRYPTED_HEADER_BYTES + 2 * SEALED + 10, // third segment
      sealed.length - 1, // last tag
    ];
    for (const offset of offsets) {
      const bad = Buffer.from(sealed);
      bad[offset] = (bad[offset] as number) ^ 0x01;
      await expect(decrypt(bad, kek), `offset ${offset}`).rejects.toMatchObject({
        code: "E_BLOB_CORRUPT",
      });
    }
  });

  it("a truncated blob fails: inside a segment, at a segment boundary, inside the header", async () => {
    const sealed = await encrypt(randomBytes(3 * SEGMENT + 5), kek);
    const cuts = [
      sealed.length - 1,
      sealed.length - 21, // the whole last segment (5 bytes + tag) gone: cut on a boundary
      ENCRYPTED_HEADER_BYTES + 2 * SEALED,
      ENCRYPTED_HEADER_BYTES + 8,
      ENCRYPTED_HEADER_BYTES,
      40,
      0,
    ];
    for (const cut of cuts) {
      await expect(decrypt(sealed.subarray(0, cut), kek), `cut at ${cut}`).rejects.toMatchObject({
        code: "E_BLOB_CORRUPT",
      });
    }
  });

  it("a truncation that lands on a boundary of an exact multiple is caught too", async () => {
    const sealed = await encrypt(randomBytes(4 * SEGMENT), kek);
    // Four full segments, the fourth sealed as last; dropping it leaves three full ones.
    expect(sealed.length).toBe(ENCRYPTED_HEADER_BYTES + 4 * SEALED);
    await expect(
      decrypt(sealed.subarray(0, ENCRYPTED_HEADER_BYTES + 3 * SEALED), kek),
    ).rejects.toThrow(/segment 2 does not authenticate as the last one/);
  });

  it("swapped, duplicated or appended segments fail", async () => {
    const plain = randomBytes(4 * SEGMENT + 9);
    const sealed = await encrypt(plain, kek);
    const header = sealed.subarray(0, ENCRYPTED_HEADER_BYTES);
    const seg = (i: number) =>
      sealed.subarray(
        ENCRYPTED_HEADER_BYTES + i * SEALED,
        ENCRYPTED_HEADER_BYTES + (i + 1) * SEALED,
      );
    const tail = sealed.subarray(ENCRYPTED_HEADER_BYTES + 4 * SEALED);
    const swapped = Buffer.concat([header, seg(1), seg(0), seg(2), seg(3), tail]);
    await expect(decrypt(swapped, kek)).rejects.toThrow(/segment 0 does not authenticate/);
    const duplicated = Buffer.concat([header, seg(0), seg(0), seg(2), seg(3), tail]);
    await expect(decrypt(duplicated, kek)).rejects.toMatchObject({ code: "E_BLOB_CORRUPT" });
    const appended = Buffer.concat([sealed, seg(2)]);
    await expect(decrypt(appended, kek)).rejects.toMatchObject({ code: "E_BLOB_CORRUPT" });
    // A segment from another blob under the same KEK has another data key.
    const other = await encrypt(randomBytes(4 * SEGMENT + 9), kek);
    const spliced = Buffer.concat([
      header,
      seg(0),
      other.subarray(ENCRYPTED_HEADER_BYTES + SEALED, ENCRYPTED_HEADER_BYTES + 2 * SEALED),
      seg(2),
      seg(3),
      tail,
    ]);
    await expect(decrypt(spliced, kek)).rejects.toMatchObject({ code: "E_BLOB_CORRUPT" });
  });

  it("another KEK is a key error naming both key ids, not a corruption", async () => {
    const sealed = await encrypt(randomBytes(100), kek);
    const other = kekFromBytes(randomBytes(32));
    const error = await decrypt(sealed, other).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "E_KEY" });
    expect(String((error as Error).message)).toContain(kek.id);
    expect(String((error as Error).message)).toContain(other.id);
  });

  it("uses 1 MiB segments by default", async () => {
    const plain = randomBytes(DEFAULT_SEGMENT_BYTES + 1);
    const sealed = await encrypt(plain, kek, DEFAULT_SEGMENT_BYTES);
    expect(sealed[9]).toBe(20);
    expect(sealed.length).toBe(ENCRYPTED_HEADER_BYTES + plain.length + 32);
    expect((await decrypt(sealed, kek, 7)).equals(plain)).toBe(true);
  });
});

describe("EncryptedBlobStore", () => {
  let root: string;
  let store: EncryptedBlobStore;
  const kek = kekFromBytes(randomBytes(32));
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "rampart-enc-"));
    store = new EncryptedBlobStore(new BlobStore(root), kek, { segmentBytes: SEGMENT });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("stores ciphertext under its own digest and returns the plaintext digest beside it", async () => {
    const plain = randomBytes(10 * SEGMENT + 3);
    const ref = await store.put(Readable.from([plain.subarray(0, 100), plain.subarray(100)]));
    expect(ref.plaintext).toEqual({
      digest: `sha256:${createHash("sha256").update(plain).digest("hex")}`,
      size: plain.length,
    });
    const onDisk = readFileSync(store.blobs.pathOf(ref.digest));
    expect(`sha256:${createHash("sha256").update(onDisk).digest("hex")}`).toBe(ref.digest);
    expect(onDisk.includes(plain.subarray(0, 32))).toBe(false);
    expect((await store.get(ref.digest)).equals(plain)).toBe(true);
    expect(await store.verify(ref.digest)).toBe(true);
  });

  it("a blob changed on disk fails the read and verify with E_BLOB_CORRUPT", async () => {
    const ref = await store.put(randomBytes(5 * SEGMENT));
    const path = store.blobs.pathOf(ref.digest);
    const bytes = readFileSync(path);
    const at = ENCRYPTED_HEADER_BYTES + SEALED + 2;
    bytes[at] = (bytes[at] as number) ^ 0x80;
    writeFileSync(path, bytes);
    await expect(store.get(ref.digest)).rejects.toMatchObject({ code: "E_BLOB_CORRUPT" });
    expect(await store.verify(ref.digest)).toBe(false);
    writeFileSync(path, bytes.subarray(0, bytes.length - SEALED));
    await expect(store.get(ref.digest)).rejects.toMatchObject({ code: "E_BLOB_CORRUPT" });
  });

  it("a missing blob is still E_BLOB_NOT_FOUND", async () => {
    await expect(store.get(`sha256:${"cd".repeat(32)}`)).rejects.toMatchObject({
      code: "E_BLOB_NOT_FOUND",
    });
  });
});

describe("loadKek", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "rampart-kek-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads 32 raw bytes, 64 hex digits, base64 and base64url, all to the same key", () => {
    const key = randomBytes(32);
    const forms: [string, string | Buffer][] = [
      ["raw", key],
      ["hex", `${key.toString("hex")}\n`],
      ["b64", `  ${key.toString("base64")}\n`],
      ["b64url", key.toString("base64url")],
    ];
    const ids = forms.map(([name, content]) => {
      writeFileSync(join(dir, name), content);
      return loadKek(join(dir, name)).id;
    });
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^[0-9a-f]{16}$/);
  });

  it("refuses a short key, junk, and a missing file with E_KEY", () => {
    writeFileSync(join(dir, "short"), randomBytes(16).toString("hex"));
    writeFileSync(join(dir, "junk"), "correct horse battery staple");
    for (const name of ["short", "junk", "missing"]) {
      expect(() => loadKek(join(dir, name)), name).toThrow(
        expect.objectContaining({ code: "E_KEY" }),
      );
    }
  });
});
