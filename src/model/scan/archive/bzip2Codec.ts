import { createRequire } from "node:module";
import type { ByteSource } from "../byteSource.js";
import {
  CorruptStreamError,
  describeError,
  InputLimitError,
  OutputLimitError,
} from "./codecError.js";

/**
 * bzip2 through seek-bzip (pure JS). Its decoder is synchronous and wants the whole input in
 * memory, so the input is capped at `maxInput`; output goes through a byte sink that throws
 * past `maxOutput`, so a bomb stops there instead of growing a buffer. Concatenated streams
 * are decoded one after the other (as bunzip2 and Python's bz2 read them); bytes after the last
 * stream that are not another stream are reported through `info.trailingOffset`, as Python's
 * BZ2File ignores them.
 */

interface BzInput {
  readByte(): number;
  read(buffer: Uint8Array, offset: number, length: number): number;
  eof(): boolean;
  seek(position: number): void;
}

interface BzOutput {
  writeByte(byte: number): void;
}

interface SeekBzip {
  decode(input: BzInput, output: BzOutput, multistream: boolean): void;
}

export interface Bzip2Info {
  trailingOffset?: number;
}

const require = createRequire(import.meta.url);
const seekBzip = require("seek-bzip") as SeekBzip;

const OUTPUT_CHUNK = 64 * 1024;

/** Decodes fully before yielding: the decoder cannot pause mid-stream. */
export async function* bzip2Chunks(
  input: ByteSource,
  maxInput: number,
  maxOutput: number,
  info: Bzip2Info = {},
): AsyncGenerator<Uint8Array> {
  if (input.size > maxInput) throw new InputLimitError(input.size, maxInput);
  const bytes = await input.read(0, input.size);
  const chunks: Uint8Array[] = [];
  let current = new Uint8Array(OUTPUT_CHUNK);
  let fill = 0;
  let produced = 0;
  let position = 0;
  const reader: BzInput = {
    readByte() {
      if (position >= bytes.length) throw new CorruptStreamError("unexpected end of bzip2 data");
      return bytes[position++]!;
    },
    read(buffer, offset, length) {
      let n = 0;
      while (n < length && position < bytes.length) buffer[offset + n++] = bytes[position++]!;
      return n === 0 ? -1 : n;
    },
    eof: () => position >= bytes.length,
    seek(to) {
      position = to;
    },
  };
  const writer: BzOutput = {
    writeByte(byte) {
      current[fill++] = byte;
      if (fill === OUTPUT_CHUNK) {
        chunks.push(current);
        current = new Uint8Array(OUTPUT_CHUNK);
        fill = 0;
      }
      if (++produced > maxOutput) throw new OutputLimitError(produced);
    },
  };
  let failure: unknown;
  let streams = 0;
  try {
    while (position < bytes.length) {
      if (!isStreamStart(bytes, position)) {
        if (streams === 0) throw new CorruptStreamError("not a bzip2 stream");
        if (bytes.subarray(position).some((b) => b !== 0)) info.trailingOffset = position;
        break;
      }
      seekBzip.decode(reader, writer, false);
      streams++;
    }
  } catch (error) {
    failure = error;
  }
  if (fill > 0) chunks.push(current.subarray(0, fill));
  for (const chunk of chunks) yield chunk;
  if (failure instanceof OutputLimitError || failure instanceof CorruptStreamError) throw failure;
  if (failure !== undefined) throw new CorruptStreamError(describeError(failure));
}

function isStreamStart(b: Uint8Array, at: number): boolean {
  return (
    b[at] === 0x42 &&
    b[at + 1] === 0x5a &&
    b[at + 2] === 0x68 &&
    b[at + 3]! >= 0x31 &&
    b[at + 3]! <= 0x39
  );
}
