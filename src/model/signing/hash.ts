/**
 * Streaming SHA-256 of model files for OMS v1.0 resources. Files are read in READ_CHUNK_SIZE
 * chunks (1 MiB) and never loaded whole; the next read is in flight while the current chunk is
 * hashed, so disk and CPU overlap.
 *
 * Shards follow the reference (`file_shard.py`): a file of `size` bytes splits at every multiple
 * of `shardSize`, the last shard ends at `size`, and an empty file has no shard at all. Each shard
 * digest is the plain SHA-256 of its bytes (no path or offset mixed in).
 */
import { createHash, type Hash } from "node:crypto";
import { open } from "node:fs/promises";
import { READ_CHUNK_SIZE } from "./constants.js";

export interface FileDigest {
  digest: string;
  size: number;
}

export interface ShardDigest {
  start: number;
  end: number;
  digest: string;
}

export interface ShardedDigest {
  size: number;
  shards: ShardDigest[];
}

/** SHA-256 of the whole file, hex. */
export async function hashFile(path: string): Promise<FileDigest> {
  const hash = createHash("sha256");
  const size = await streamFile(path, (chunk) => hash.update(chunk));
  return { digest: hash.digest("hex"), size };
}

/** SHA-256 of every `shardSize` slice of the file, in one pass. */
export async function hashShards(path: string, shardSize: number): Promise<ShardedDigest> {
  if (!(Number.isSafeInteger(shardSize) && shardSize > 0)) {
    throw new RangeError(`shard size ${shardSize} is not a positive integer`);
  }
  const shards: ShardDigest[] = [];
  let hash: Hash = createHash("sha256");
  let start = 0;
  let position = 0;
  const size = await streamFile(path, (chunk) => {
    let offset = 0;
    while (offset < chunk.length) {
      const boundary = start + shardSize;
      const take = Math.min(chunk.length - offset, boundary - position);
      hash.update(chunk.subarray(offset, offset + take));
      offset += take;
      position += take;
      if (position === boundary) {
        shards.push({ start, end: position, digest: hash.digest("hex") });
        hash = createHash("sha256");
        start = position;
      }
    }
  });
  if (position > start) shards.push({ start, end: position, digest: hash.digest("hex") });
  return { size, shards };
}

/** Reads the file front to back with two alternating buffers; returns the bytes read. */
async function streamFile(path: string, onChunk: (chunk: Buffer) => void): Promise<number> {
  const handle = await open(path, "r");
  const buffers = [Buffer.allocUnsafe(READ_CHUNK_SIZE), Buffer.allocUnsafe(READ_CHUNK_SIZE)];
  let pending = handle.read(buffers[0]!, 0, READ_CHUNK_SIZE, 0);
  try {
    let which = 0;
    let position = 0;
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) return position;
      position += bytesRead;
      which ^= 1;
      pending = handle.read(buffers[which]!, 0, READ_CHUNK_SIZE, position);
      onChunk(buffer.subarray(0, bytesRead));
    }
  } finally {
    // A read may still be in flight when onChunk throws: let it settle before closing.
    await pending.catch(() => undefined);
    await handle.close();
  }
}
