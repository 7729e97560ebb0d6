import { type FileHandle, open } from "node:fs/promises";

/**
 * Random access to bytes, so that a scanner can read a zip's central directory or a
 * safetensors header without reading a 10 GB tensor payload. Slices of a source are
 * sources too (a stored zip member is a slice of the file).
 */
export interface ByteSource {
  readonly size: number;
  /** Reads up to `length` bytes at `offset`; shorter only at the end of the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export class BufferSource implements ByteSource {
  constructor(private readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.bytes.subarray(offset, Math.min(this.bytes.length, offset + length));
  }
}

export class FileSource implements ByteSource {
  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<FileSource> {
    const handle = await open(path, "r");
    try {
      const { size } = await handle.stat();
      return new FileSource(handle, size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - offset));
    const buffer = Buffer.allocUnsafe(n);
    let done = 0;
    while (done < n) {
      const { bytesRead } = await this.handle.read(buffer, done, n - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === n ? buffer : buffer.subarray(0, done);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export class SliceSource implements ByteSource {
  constructor(
    private readonly parent: ByteSource,
    private readonly start: number,
    readonly size: number,
  ) {}
  read(offset: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - offset));
    return this.parent.read(this.start + offset, n);
  }
}

/** Reads a whole source, refusing one larger than `limit` (the caller reports that). */
export async function readAll(source: ByteSource, limit: number): Promise<Uint8Array | undefined> {
  if (source.size > limit) return undefined;
  return source.read(0, source.size);
}
