import { Readable } from "node:stream";
import { createInflate, createInflateRaw, type Inflate, type InflateRaw } from "node:zlib";
import { type ByteSource, SliceSource } from "../byteSource.js";
import { CorruptStreamError, describeError, OutputLimitError } from "./codecError.js";
import { sourceChunks } from "./sourceChunks.js";

/**
 * RFC 1951 raw deflate (zip members, gzip bodies) and RFC 1950 zlib through node:zlib.
 * Streamed: memory stays at a few chunks however large the output, and the consumer stops the
 * decoder by leaving its loop. A truncated stream fails with "unexpected end of file" after
 * yielding what it held. When the stream ends before its input does, `info.consumed` says
 * where (zlib's count of input bytes it actually used).
 */
export type DeflateFlavour = "deflate-raw" | "zlib";

export interface InflateInfo {
  /** Input bytes the deflate stream used; set once it ends. */
  consumed?: number;
}

const OUTPUT_CHUNK = 64 * 1024;

export async function* inflateChunks(
  flavour: DeflateFlavour,
  input: ByteSource,
  maxOutput: number,
  info: InflateInfo = {},
): AsyncGenerator<Uint8Array> {
  const options = { chunkSize: OUTPUT_CHUNK };
  const decoder: Inflate | InflateRaw =
    flavour === "deflate-raw" ? createInflateRaw(options) : createInflate(options);
  const feeder = Readable.from(sourceChunks(input), { objectMode: false });
  feeder.on("error", (error) => decoder.destroy(error));
  feeder.pipe(decoder);
  let produced = 0;
  try {
    for await (const chunk of decoder as AsyncIterable<Uint8Array>) {
      produced += chunk.length;
      yield chunk;
      if (produced > maxOutput) throw new OutputLimitError(produced);
    }
    info.consumed = decoder.bytesWritten;
  } catch (error) {
    if (error instanceof OutputLimitError) throw error;
    throw new CorruptStreamError(describeError(error));
  } finally {
    feeder.unpipe(decoder);
    feeder.destroy();
    decoder.destroy();
  }
}

/** Raw deflate starting at `offset` of `input`. */
export function inflateAt(
  input: ByteSource,
  offset: number,
  maxOutput: number,
  info: InflateInfo,
): AsyncGenerator<Uint8Array> {
  return inflateChunks(
    "deflate-raw",
    new SliceSource(input, offset, input.size - offset),
    maxOutput,
    info,
  );
}
