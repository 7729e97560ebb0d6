import { crc32 } from "node:zlib";
import { BufferSource, type ByteSource } from "../byteSource.js";
import type { ScanLimits } from "../types.js";
import {
  CorruptStreamError,
  describeError,
  InputLimitError,
  OutputLimitError,
} from "./codecError.js";
import { type Codec, canStreamLazily, type DecodeInfo, decodeChunks } from "./codecs.js";
import { StreamedSource } from "./streamedSource.js";

/**
 * Decompresses one stream under the scan limits, without trusting any size the container
 * claims: a first pass decodes it all, counting bytes and the CRC, and stops the moment the
 * output passes the cap. What passes is handed on as a BufferSource when it is small, or as a
 * StreamedSource that decodes again on demand when it is large, so a 3 GB compressed tensor
 * costs memory only for what a scanner actually reads.
 *
 * The ratio check (`maxCompressionRatio`) applies only once the output passes
 * RATIO_GRACE_BYTES: small, very compressible members are normal (a zero-filled array in an
 * `np.savez_compressed` file expands 1000:1) and cannot exhaust anything.
 */

export const RATIO_GRACE_BYTES = 16 * 1024 * 1024;
/** Output up to this size is kept in memory after the first pass. */
export const KEEP_IN_MEMORY_BYTES = 32 * 1024 * 1024;
/** The head kept for a lazily decoded stream, so format sniffing never re-decodes. */
const HEAD_BYTES = 1024 * 1024;

export type ExpandLimit = "size" | "ratio" | "budget" | "memory";

export type ExpandResult =
  | { status: "ok"; source: ByteSource; size: number; crc32: number }
  | {
      status: "limit";
      limit: ExpandLimit;
      /** The cap that was passed, in bytes. */
      cap: number;
      produced: number;
      /** The first bytes decoded before the cap, for a best-effort scan. */
      prefix: Uint8Array;
    }
  | { status: "corrupt"; message: string; produced: number; prefix: Uint8Array };

export interface ExpandOptions {
  limits: ScanLimits;
  /** What is left of the container's total expansion budget. */
  budget?: number;
  /** Filled with what the decoder learnt on the first pass (trailing data, gzip name). */
  info?: DecodeInfo;
}

export async function expand(
  codec: Codec,
  input: ByteSource,
  options: ExpandOptions,
): Promise<ExpandResult> {
  const { limits } = options;
  const lazy = canStreamLazily(codec);
  const caps: [ExpandLimit, number][] = [
    ["size", limits.maxExpandedBytes],
    ["ratio", Math.max(RATIO_GRACE_BYTES, limits.maxCompressionRatio * Math.max(1, input.size))],
  ];
  if (options.budget !== undefined) caps.push(["budget", Math.max(0, options.budget)]);
  if (!lazy) caps.push(["memory", limits.maxInMemoryBytes]);
  const [binding, cap] = caps.reduce((a, b) => (b[1] < a[1] ? b : a));
  const keep = lazy ? Math.min(KEEP_IN_MEMORY_BYTES, limits.maxInMemoryBytes) : cap;

  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  let keeping = true;
  let produced = 0;
  let crc = 0;
  const decodeLimits = { maxOutput: cap, maxInMemory: limits.maxInMemoryBytes };
  try {
    for await (const chunk of decodeChunks(codec, input, decodeLimits, options.info)) {
      produced += chunk.length;
      crc = crc32(chunk, crc);
      if (keeping && keptBytes + chunk.length <= keep) {
        kept.push(chunk);
        keptBytes += chunk.length;
      } else if (keeping) {
        // Past what may stay in memory: keep only the head for sniffing and a partial scan.
        keeping = false;
        trimTo(kept, HEAD_BYTES);
        keptBytes = Math.min(keptBytes, HEAD_BYTES);
      }
      if (produced > cap) break;
    }
  } catch (error) {
    if (error instanceof InputLimitError) {
      return { status: "limit", limit: "memory", cap: error.limit, produced, prefix: concat(kept) };
    }
    if (!(error instanceof OutputLimitError)) {
      const message = error instanceof CorruptStreamError ? error.message : describeError(error);
      return { status: "corrupt", message, produced, prefix: concat(kept) };
    }
  }
  if (produced > cap)
    return { status: "limit", limit: binding, cap, produced, prefix: concat(kept) };
  if (keeping)
    return { status: "ok", source: new BufferSource(concat(kept)), size: produced, crc32: crc };
  const head = concat(kept);
  const size = produced;
  const source = new StreamedSource(size, head, () =>
    decodeChunks(codec, input, { maxOutput: size, maxInMemory: limits.maxInMemoryBytes }),
  );
  return { status: "ok", source, size, crc32: crc };
}

function trimTo(chunks: Uint8Array[], bytes: number): void {
  let total = 0;
  let i = 0;
  for (; i < chunks.length && total < bytes; i++) {
    const chunk = chunks[i]!;
    if (total + chunk.length > bytes) chunks[i] = chunk.subarray(0, bytes - total);
    total += chunks[i]!.length;
  }
  chunks.length = i;
}

export function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** Closes a lazily decoded source once its consumer is done with it. */
export async function release(source: ByteSource): Promise<void> {
  if (source instanceof StreamedSource) await source.close();
}
