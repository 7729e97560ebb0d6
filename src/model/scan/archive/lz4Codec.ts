import type { ByteSource } from "../byteSource.js";
import { BufferedReader, TruncatedError } from "./bufferedReader.js";
import { CorruptStreamError, OutputLimitError } from "./codecError.js";

/**
 * LZ4 frame format (lz4 Frame Format Description v1.6.x, magic 04 22 4D 18), written here
 * rather than taken from lz4js, whose block decoder does no bounds checks and sizes its output
 * from the frame header. Blocks are decoded one at a time (at most 4 MiB each) with the 64 KiB
 * history linked blocks need, every copy bounds-checked. Concatenated and skippable frames are
 * read as the lz4 tool reads them. Checksums are not verified: a wrong one changes nothing a
 * scanner can see. Dictionary frames are refused (they need a dictionary from elsewhere).
 */

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const HISTORY = 64 * 1024;
const BLOCK_SIZES: Record<number, number> = {
  4: 64 * 1024,
  5: 256 * 1024,
  6: 1024 ** 2,
  7: 4 * 1024 ** 2,
};

export async function* lz4Chunks(input: ByteSource, maxOutput: number): AsyncGenerator<Uint8Array> {
  const reader = new BufferedReader(input, 0, input.size, 256 * 1024);
  let produced = 0;
  let frames = 0;
  try {
    while (reader.remaining > 0) {
      const magic = await reader.u32();
      if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
        reader.skip(await reader.u32());
        continue;
      }
      if (magic !== FRAME_MAGIC) {
        // Bytes after a complete frame that are not another frame are ignored, as lz4 does.
        if (frames > 0) return;
        throw new CorruptStreamError("not an LZ4 frame");
      }
      frames++;
      for await (const chunk of frameBlocks(reader)) {
        produced += chunk.length;
        yield chunk;
        if (produced > maxOutput) throw new OutputLimitError(produced);
      }
    }
  } catch (error) {
    if (error instanceof TruncatedError) throw new CorruptStreamError("unexpected end of LZ4 data");
    throw error;
  }
}

async function* frameBlocks(reader: BufferedReader): AsyncGenerator<Uint8Array> {
  const flg = await reader.u8();
  const bd = await reader.u8();
  if (flg >> 6 !== 1) throw new CorruptStreamError(`unsupported LZ4 frame version ${flg >> 6}`);
  if (flg & 0x02 || bd & 0x8f) throw new CorruptStreamError("reserved LZ4 frame bits are set");
  if (flg & 0x01) throw new CorruptStreamError("LZ4 frame needs an external dictionary");
  const independent = (flg & 0x20) !== 0;
  const blockChecksum = (flg & 0x10) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const maxBlock = BLOCK_SIZES[(bd >> 4) & 0x07];
  if (maxBlock === undefined) throw new CorruptStreamError("invalid LZ4 block size");
  if (flg & 0x08) reader.skip(8); // content size: informative only, never trusted
  reader.skip(1); // header checksum
  let history: Uint8Array = new Uint8Array(0);
  for (;;) {
    const word = await reader.u32();
    if (word === 0) break;
    const stored = (word & 0x80000000) !== 0;
    const length = word & 0x7fffffff;
    if (length > maxBlock) throw new CorruptStreamError("LZ4 block larger than the frame allows");
    const block = await reader.bytes(length);
    if (blockChecksum) reader.skip(4);
    let output: Uint8Array;
    if (stored) {
      output = block.slice();
    } else {
      const window = independent ? new Uint8Array(0) : history;
      const dst = new Uint8Array(window.length + maxBlock);
      dst.set(window);
      const end = decodeBlock(block, dst, window.length);
      output = dst.slice(window.length, end);
      if (!independent) history = dst.slice(Math.max(0, end - HISTORY), end);
    }
    if (!independent && stored) history = appendHistory(history, output);
    yield output;
  }
  if (contentChecksum) reader.skip(4);
}

function appendHistory(history: Uint8Array, output: Uint8Array): Uint8Array {
  if (output.length >= HISTORY) return output.slice(output.length - HISTORY);
  const keep = Math.min(history.length, HISTORY - output.length);
  const next = new Uint8Array(keep + output.length);
  next.set(history.subarray(history.length - keep));
  next.set(output, keep);
  return next;
}

/** LZ4 block format: returns the end of the output in `dst`; throws on any out-of-range copy. */
export function decodeBlock(src: Uint8Array, dst: Uint8Array, start: number): number {
  let s = 0;
  let d = start;
  const sEnd = src.length;
  while (s < sEnd) {
    const token = src[s++]!;
    let literals = token >> 4;
    if (literals === 15) {
      for (;;) {
        if (s >= sEnd) throw new CorruptStreamError("LZ4 literal length runs past the block");
        const extra = src[s++]!;
        literals += extra;
        if (extra !== 255) break;
      }
    }
    if (s + literals > sEnd || d + literals > dst.length) {
      throw new CorruptStreamError("LZ4 literals run past the block");
    }
    dst.set(src.subarray(s, s + literals), d);
    s += literals;
    d += literals;
    if (s >= sEnd) break; // the last sequence has literals only
    if (s + 2 > sEnd) throw new CorruptStreamError("LZ4 match offset runs past the block");
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d) throw new CorruptStreamError("LZ4 match offset out of range");
    let matchLength = (token & 0x0f) + 4;
    if ((token & 0x0f) === 15) {
      for (;;) {
        if (s >= sEnd) throw new CorruptStreamError("LZ4 match length runs past the block");
        const extra = src[s++]!;
        matchLength += extra;
        if (extra !== 255) break;
      }
    }
    if (d + matchLength > dst.length) throw new CorruptStreamError("LZ4 match runs past the block");
    let from = d - offset;
    if (offset >= matchLength) {
      dst.copyWithin(d, from, from + matchLength);
      d += matchLength;
    } else {
      // Overlapping match: a run that repeats the last `offset` bytes, copied byte by byte.
      for (let i = 0; i < matchLength; i++) dst[d++] = dst[from++]!;
    }
  }
  return d;
}
