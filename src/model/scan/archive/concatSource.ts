import type { ByteSource } from "../byteSource.js";

/**
 * Several ranges of one source read as a single stream, without copying: the pickle opcodes of
 * a joblib file with the raw array bytes between them left out.
 */
export class ConcatSource implements ByteSource {
  readonly size: number;
  private readonly starts: number[] = [];

  constructor(
    private readonly parent: ByteSource,
    private readonly ranges: readonly { offset: number; size: number }[],
  ) {
    let total = 0;
    for (const range of ranges) {
      this.starts.push(total);
      total += range.size;
    }
    this.size = total;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const start = Math.max(0, offset);
    const end = Math.min(this.size, start + Math.max(0, length));
    if (end <= start) return new Uint8Array(0);
    const out = new Uint8Array(end - start);
    let filled = 0;
    for (let i = 0; i < this.ranges.length && start + filled < end; i++) {
      const range = this.ranges[i]!;
      const rangeStart = this.starts[i]!;
      const rangeEnd = rangeStart + range.size;
      const from = Math.max(start + filled, rangeStart);
      const to = Math.min(end, rangeEnd);
      if (to <= from) continue;
      const bytes = await this.parent.read(range.offset + (from - rangeStart), to - from);
      out.set(bytes, from - start);
      filled = from - start + bytes.length;
      if (bytes.length < to - from) break;
    }
    return filled === out.length ? out : out.subarray(0, filled);
  }
}
