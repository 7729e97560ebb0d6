import type { ByteSource } from "../byteSource.js";
import { bzip2Chunks } from "./bzip2Codec.js";
import { gzipChunks } from "./gzipCodec.js";
import { inflateChunks } from "./inflateCodec.js";
import { lz4Chunks } from "./lz4Codec.js";
import { xzChunks } from "./xzCodec.js";

/** Every compression the container scanners decode, and one entry point to stream them. */
export type Codec = "deflate-raw" | "zlib" | "gzip" | "bzip2" | "xz" | "lz4";

export interface DecodeLimits {
  /** The decoder stops with OutputLimitError once it has produced more than this. */
  maxOutput: number;
  /** Largest compressed input a decoder that needs it all in memory (bzip2) may read. */
  maxInMemory: number;
}

/** What a decoder learnt about its input besides the output. */
export interface DecodeInfo {
  /** Input bytes the stream used, when the decoder can tell (deflate, zlib). */
  consumed?: number;
  /** Where undecodable bytes after the last complete stream begin (gzip, bzip2). */
  trailingOffset?: number;
  /** The original file name a gzip header carries. */
  originalName?: string;
}

/**
 * Whether a paused stream may be left open while other code runs. xz-decompress serialises
 * all streams behind one lock and bzip2 decodes in one synchronous call, so their output is
 * buffered instead of re-decoded on demand.
 */
export function canStreamLazily(codec: Codec): boolean {
  return codec === "deflate-raw" || codec === "zlib" || codec === "gzip" || codec === "lz4";
}

/**
 * Streams the decoded bytes of `input`. Throws CorruptStreamError on bad or truncated data
 * (after yielding what came before), OutputLimitError past `maxOutput`, InputLimitError when
 * an in-memory decoder's input is too large. Always iterate with `for await`, so that leaving
 * the loop closes the decoder.
 */
export function decodeChunks(
  codec: Codec,
  input: ByteSource,
  limits: DecodeLimits,
  info: DecodeInfo = {},
): AsyncGenerator<Uint8Array> {
  switch (codec) {
    case "deflate-raw":
    case "zlib":
      return inflateChunks(codec, input, limits.maxOutput, info);
    case "gzip":
      return gzipChunks(input, limits.maxOutput, info);
    case "bzip2":
      return bzip2Chunks(input, limits.maxInMemory, limits.maxOutput, info);
    case "xz":
      return xzChunks(input, limits.maxOutput);
    case "lz4":
      return lz4Chunks(input, limits.maxOutput);
  }
}
