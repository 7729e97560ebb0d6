import type { ByteSource } from "../byteSource.js";

/**
 * A decompressed stream too big to keep in memory, read on demand by decoding it again.
 * Reads that move forward continue the open decoder; a read behind what the decoder has passed
 * starts it over. The first bytes (the part format detection sniffs) are kept, so detection
 * never re-decodes, and a whole-stream read by the pickle analyser costs one pass.
 */
export class StreamedSource implements ByteSource {
  private iterator: AsyncGenerator<Uint8Array> | undefined;
  private produced = 0;
  private window: Uint8Array[] = [];
  private windowStart = 0;
  private windowBytes = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly size: number,
    private readonly head: Uint8Array,
    private readonly open: () => AsyncGenerator<Uint8Array>,
    private readonly windowLimit = 4 * 1024 * 1024,
  ) {}

  read(offset: number, length: number): Promise<Uint8Array> {
    // One decoder serves every reader, so reads take turns.
    const run = this.queue.then(() => this.readNow(offset, length));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops the decoder; a later read starts a new one. */
  async close(): Promise<void> {
    await this.queue;
    await this.stop();
  }

  private async readNow(offset: number, length: number): Promise<Uint8Array> {
    const start = Math.min(Math.max(0, offset), this.size);
    const end = Math.min(this.size, start + Math.max(0, length));
    if (end <= start) return new Uint8Array(0);
    if (end <= this.head.length) return this.head.subarray(start, end);
    const inWindow = start >= this.windowStart && end <= this.produced;
    if (!inWindow && (this.iterator === undefined || start < this.windowStart))
      await this.restart();
    const out = new Uint8Array(end - start);
    let position = this.windowStart;
    for (const chunk of this.window) {
      copyOverlap(chunk, position, out, start, end);
      position += chunk.length;
    }
    while (this.produced < end && this.iterator !== undefined) {
      const step = await this.iterator.next();
      if (step.done) {
        this.iterator = undefined;
        break;
      }
      const chunk = step.value;
      copyOverlap(chunk, this.produced, out, start, end);
      this.produced += chunk.length;
      this.remember(chunk);
    }
    if (this.produced >= this.size) await this.stop();
    const filled = Math.min(end, this.produced) - start;
    return filled >= out.length ? out : out.subarray(0, Math.max(0, filled));
  }

  private remember(chunk: Uint8Array): void {
    this.window.push(chunk);
    this.windowBytes += chunk.length;
    while (
      this.window.length > 1 &&
      this.windowBytes - this.window[0]!.length >= this.windowLimit
    ) {
      const dropped = this.window.shift()!;
      this.windowBytes -= dropped.length;
      this.windowStart += dropped.length;
    }
  }

  private async restart(): Promise<void> {
    await this.stop();
    this.iterator = this.open();
    this.produced = 0;
    this.window = [];
    this.windowStart = 0;
    this.windowBytes = 0;
  }

  private async stop(): Promise<void> {
    const iterator = this.iterator;
    this.iterator = undefined;
    if (iterator) await iterator.return(undefined).catch(() => undefined);
  }
}

/** Copies the part of `chunk` (which starts at `chunkStart`) that falls in `[start, end)`. */
function copyOverlap(
  chunk: Uint8Array,
  chunkStart: number,
  out: Uint8Array,
  start: number,
  end: number,
): void {
  const from = Math.max(start, chunkStart);
  const to = Math.min(end, chunkStart + chunk.length);
  if (to <= from) return;
  out.set(chunk.subarray(from - chunkStart, to - chunkStart), from - start);
}
