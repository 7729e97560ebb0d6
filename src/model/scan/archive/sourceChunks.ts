import type { ByteSource } from "../byteSource.js";

/** Input is fed to decoders in pieces this big: bounds what one decoder step can expand. */
export const INPUT_CHUNK = 64 * 1024;

/** Reads a source front to back in `INPUT_CHUNK` pieces. */
export async function* sourceChunks(source: ByteSource): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < source.size; ) {
    const chunk = await source.read(offset, Math.min(INPUT_CHUNK, source.size - offset));
    if (chunk.length === 0) return;
    offset += chunk.length;
    yield chunk;
  }
}
