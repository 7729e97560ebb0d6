import { createRequire } from "node:module";
import type { ByteSource } from "../byteSource.js";
import { CorruptStreamError, describeError, OutputLimitError } from "./codecError.js";
import { INPUT_CHUNK } from "./sourceChunks.js";

/**
 * xz (.xz container, LZMA2) through xz-decompress, xz-embedded compiled to WASM. The module
 * runs one stream at a time behind a global lock, so a stream must never stay open while other
 * code runs: callers drain it or stop it at once (expand.ts buffers xz output for that reason).
 */

interface XzModule {
  XzReadableStream: new (compressed: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
}

const require = createRequire(import.meta.url);

/** xz-embedded's xz_ret codes, which xz-decompress reports only by number. */
const XZ_ERRORS: Record<string, string> = {
  "2": "unsupported integrity check",
  "3": "decoder out of memory",
  "4": "dictionary larger than the decoder's memory limit",
  "5": "not an xz stream",
  "6": "unsupported xz options or filters",
  "7": "corrupt xz data",
  "8": "unexpected end of xz data",
};

function describeXzError(error: unknown): string {
  const code = /error code (\d+)/.exec(describeError(error))?.[1];
  return (code && XZ_ERRORS[code]) ?? describeError(error);
}
const { XzReadableStream } = require("xz-decompress") as XzModule;

export async function* xzChunks(input: ByteSource, maxOutput: number): AsyncGenerator<Uint8Array> {
  let offset = 0;
  const compressed = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset >= input.size) {
        controller.close();
        return;
      }
      const chunk = await input.read(offset, Math.min(INPUT_CHUNK, input.size - offset));
      if (chunk.length === 0) {
        controller.close();
        return;
      }
      offset += chunk.length;
      controller.enqueue(chunk);
    },
  });
  const reader = new XzReadableStream(compressed).getReader();
  let produced = 0;
  let finished = false;
  try {
    for (;;) {
      let step: Awaited<ReturnType<typeof reader.read>>;
      try {
        step = await reader.read();
      } catch (error) {
        finished = true;
        // The decoder reads past the end of a truncated stream and fails on a null chunk.
        throw new CorruptStreamError(
          error instanceof TypeError ? "unexpected end of xz data" : describeXzError(error),
        );
      }
      if (step.done) {
        finished = true;
        return;
      }
      produced += step.value.length;
      if (step.value.length > 0) yield step.value;
      if (produced > maxOutput) throw new OutputLimitError(produced);
    }
  } finally {
    // Cancelling releases the module's lock; a finished or failed stream released it already.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
