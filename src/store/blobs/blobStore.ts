import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, type ReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isSha256Hex, RampartError } from "../../core/index.js";
import { collect, drainVerifies } from "./drain.js";
import { hashingTap } from "./hashingTap.js";

export interface BlobRef {
  /** `sha256:<hex>` */
  digest: string;
  size: number;
}

/**
 * Content-addressed storage on disk: `<root>/sha256/ab/<hex>`. Writes stream through the
 * hash into a temporary file that is fsynced and renamed into place, so a crash leaves either
 * the whole blob or none of it. Reads hash again and fail if the bytes changed on disk.
 */
export class BlobStore {
  constructor(readonly root: string) {}

  pathOf(digest: string): string {
    const hex = parseDigest(digest);
    return join(this.root, "sha256", hex.slice(0, 2), hex);
  }

  async has(digest: string): Promise<boolean> {
    try {
      await stat(this.pathOf(digest));
      return true;
    } catch {
      return false;
    }
  }

  /** Stores bytes from a buffer, an iterable or a stream; returns their digest. */
  async put(source: Uint8Array | string | Readable | AsyncIterable<Uint8Array>): Promise<BlobRef> {
    const tmpDir = join(this.root, "tmp");
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${process.pid}-${randomBytes(8).toString("hex")}.part`);
    const tap = hashingTap();
    const input =
      typeof source === "string" || source instanceof Uint8Array
        ? Readable.from([Buffer.from(source)])
        : source instanceof Readable
          ? source
          : Readable.from(source);
    try {
      await pipeline(input, tap.stream, createWriteStream(tmp, { flags: "wx", mode: 0o644 }));
      await fsyncPath(tmp);
      const digest = tap.digest();
      const final = this.pathOf(digest);
      await mkdir(dirname(final), { recursive: true });
      // Same content, same name: replacing an existing blob is harmless and atomic.
      await rename(tmp, final);
      await fsyncPath(dirname(final));
      return { digest, size: tap.size() };
    } catch (cause) {
      await rm(tmp, { force: true });
      if (cause instanceof RampartError) throw cause;
      throw new RampartError("E_IO", `could not store a blob under ${this.root}`, {
        hint: "check that the folder is writable and the disk has space",
        cause,
      });
    }
  }

  /** Reads a whole blob into memory and verifies it. For large blobs use `stream`. */
  async get(digest: string): Promise<Buffer> {
    return collect(this.stream(digest));
  }

  /**
   * Streams a blob; the stream errors with E_BLOB_CORRUPT at its end if the bytes on disk no
   * longer hash to the digest. Consumers must not act on the data before the stream ends.
   */
  stream(digest: string): Readable {
    const hex = parseDigest(digest);
    const path = this.pathOf(digest);
    const hash = createHash("sha256");
    const verify = new Transform({
      transform(chunk: Buffer, _enc, callback: TransformCallback) {
        hash.update(chunk);
        callback(null, chunk);
      },
      flush(callback: TransformCallback) {
        const actual = hash.digest("hex");
        if (actual !== hex) {
          callback(
            new RampartError(
              "E_BLOB_CORRUPT",
              `blob ${digest} is corrupt on disk: its bytes hash to sha256:${actual}`,
              {
                hint: `the file ${path} was changed or damaged; restore it from a backup`,
              },
            ),
          );
          return;
        }
        callback();
      },
    });
    const file: ReadStream = createReadStream(path);
    file.on("error", (cause: NodeJS.ErrnoException) => {
      verify.destroy(
        cause.code === "ENOENT"
          ? new RampartError("E_BLOB_NOT_FOUND", `no blob ${digest} in ${this.root}`, { cause })
          : new RampartError("E_IO", `cannot read blob ${digest}`, { cause }),
      );
    });
    return file.pipe(verify);
  }

  /** Re-hashes a stored blob; true when it is intact. */
  async verify(digest: string): Promise<boolean> {
    return drainVerifies(this.stream(digest));
  }
}

function parseDigest(digest: string): string {
  const hex = digest.startsWith("sha256:") ? digest.slice(7) : digest;
  if (!isSha256Hex(hex)) {
    throw new RampartError("E_USAGE", `"${digest}" is not a sha256 digest`, {
      hint: "expected sha256: followed by 64 lowercase hex digits",
    });
  }
  return hex;
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
