import type { ByteSource } from "../byteSource.js";

/** Thrown when a structure claims more bytes than the source holds. */
export class TruncatedError extends Error {
  constructor(
    readonly position: number,
    readonly wanted: number,
  ) {
    super(`needs ${wanted} bytes at offset ${position}, past the end of the input`);
    this.name = "TruncatedError";
  }
}

/**
 * Sequential reads over a random-access ByteSource through one block-sized buffer, so that
 * parsing thousands of small records (zip central directory entries, tar headers, pickle
 * opcodes) costs a few large reads instead of one read each. The arrays it returns are views of
 * its buffer: valid until the next call, never to be kept or modified.
 */
export class BufferedReader {
  private buffer: Uint8Array = new Uint8Array(0);
  private bufferStart = 0;

  constructor(
    private readonly source: ByteSource,
    public position = 0,
    private readonly end = source.size,
    private readonly blockSize = 64 * 1024,
  ) {}

  get remaining(): number {
    return Math.max(0, this.end - this.position);
  }

  /** Makes `[position, position + n)` readable; false when the input ends first. */
  async ensure(n: number): Promise<boolean> {
    if (n > this.remaining) return false;
    const offset = this.position - this.bufferStart;
    if (offset >= 0 && offset + n <= this.buffer.length) return true;
    const length = Math.min(Math.max(n, this.blockSize), this.end - this.position);
    const bytes = await this.source.read(this.position, length);
    this.buffer = bytes;
    this.bufferStart = this.position;
    return bytes.length >= n;
  }

  /** The next `n` bytes, consumed. */
  async bytes(n: number): Promise<Uint8Array> {
    if (!(await this.ensure(n))) throw new TruncatedError(this.position, n);
    const offset = this.position - this.bufferStart;
    this.position += n;
    return this.buffer.subarray(offset, offset + n);
  }

  /** The next `n` bytes without consuming them. */
  async peek(n: number): Promise<Uint8Array | undefined> {
    if (!(await this.ensure(n))) return undefined;
    const offset = this.position - this.bufferStart;
    return this.buffer.subarray(offset, offset + n);
  }

  async u8(): Promise<number> {
    return (await this.bytes(1))[0]!;
  }

  async u16(): Promise<number> {
    const b = await this.bytes(2);
    return b[0]! | (b[1]! << 8);
  }

  async u32(): Promise<number> {
    const b = await this.bytes(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  /** Little-endian 64-bit; values past 2^53 come back as Infinity (no real input is that big). */
  async u64(): Promise<number> {
    const b = await this.bytes(8);
    return u64At(b, 0);
  }

  skip(n: number): void {
    this.position += n;
  }
}

export function u16At(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

export function u32At(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

export function u64At(b: Uint8Array, at: number): number {
  const low = u32At(b, at);
  const high = u32At(b, at + 4);
  if (high >= 0x200000) return Number.POSITIVE_INFINITY;
  return high * 0x1_0000_0000 + low;
}
