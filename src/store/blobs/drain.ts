import type { Readable } from "node:stream";
import { RampartError } from "../../core/index.js";

/** Reads a verifying blob stream whole; its error (E_BLOB_CORRUPT …) propagates. */
export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Drains a verifying blob stream: true when it ended intact, false when it proved corrupt. */
export async function drainVerifies(stream: Readable): Promise<boolean> {
  try {
    for await (const _ of stream) {
      // the verification happens in the stream; the bytes are not needed
    }
    return true;
  } catch (error) {
    if (error instanceof RampartError && error.code === "E_BLOB_CORRUPT") return false;
    throw error;
  }
}
