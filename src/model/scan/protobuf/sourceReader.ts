import type { ByteSource } from "../byteSource.js";
import {
  decodeUtf8,
  fieldEnd,
  MAX_FIELD_HEADER,
  readField,
  readVarint,
  WIRE_LEN,
  WireError,
  type WireField,
} from "./wireReader.js";

/**
 * Walks protobuf messages that live in a ByteSource, through a read window, so that a 2 GB
 * ONNX graph is read header by header: payloads the scanner does not ask for (tensor bytes)
 * are skipped by offset and never read. Defaults: a 1 MiB window, and a budget of 50 million
 * fields per scan, after which a BudgetError stops the walk (the scanner reports the scan as
 * incomplete rather than running for hours on a file built to be slow).
 */

export const DEFAULT_WINDOW = 1 << 20;
export const DEFAULT_FIELD_BUDGET = 50_000_000;

export class BudgetError extends Error {
  constructor(readonly budget: number) {
    super(`stopped after ${budget} protobuf fields`);
    this.name = "BudgetError";
  }
}

export class SourceReader {
  private window: Uint8Array = new Uint8Array(0);
  private windowStart = 0;
  private remaining: number;

  constructor(
    private readonly source: ByteSource,
    private readonly options: { window?: number; fieldBudget?: number } = {},
  ) {
    this.remaining = options.fieldBudget ?? DEFAULT_FIELD_BUDGET;
  }

  get size(): number {
    return this.source.size;
  }

  /** Fields visited so far count against the budget; this is what is left. */
  get budgetLeft(): number {
    return this.remaining;
  }

  /** Bytes `[offset, offset + length)`, clipped to the source; served from the window. */
  private async view(offset: number, length: number): Promise<Uint8Array> {
    const want = Math.min(length, this.source.size - offset);
    const windowEnd = this.windowStart + this.window.length;
    if (offset >= this.windowStart && offset + want <= windowEnd) {
      return this.window.subarray(offset - this.windowStart, offset - this.windowStart + want);
    }
    const size = Math.max(want, this.options.window ?? DEFAULT_WINDOW);
    this.window = await this.source.read(offset, Math.min(size, this.source.size - offset));
    this.windowStart = offset;
    return this.window.subarray(0, Math.min(want, this.window.length));
  }

  /** The fields of the message occupying the absolute range `[start, end)`. */
  async *fields(start: number, end: number): AsyncGenerator<WireField> {
    if (start < 0 || end > this.source.size || start > end) {
      throw new WireError("message outside the input", start);
    }
    let pos = start;
    while (pos < end) {
      if (this.remaining-- <= 0) throw new BudgetError(this.options.fieldBudget ?? 0);
      const header = await this.view(pos, Math.min(end - pos, MAX_FIELD_HEADER));
      const field = readField(header, pos, pos, end);
      yield field;
      pos = fieldEnd(field);
    }
  }

  /** A length-delimited payload when it is at most `max` bytes, else undefined. */
  async bytes(field: WireField, max: number): Promise<Uint8Array | undefined> {
    if (field.wireType !== WIRE_LEN || field.length > max) return undefined;
    const bytes = await this.view(field.offset, field.length);
    if (bytes.length !== field.length) throw new WireError("truncated payload", field.offset);
    // A copy: the window is replaced by the next read.
    return bytes.slice();
  }

  /** A string field, cut to `max` bytes (strings the scanners read are names and paths). */
  async string(field: WireField, max = 4096): Promise<string | undefined> {
    if (field.wireType !== WIRE_LEN) return undefined;
    const bytes = await this.view(field.offset, Math.min(field.length, max));
    return decodeUtf8(bytes);
  }

  /**
   * The varints of a packed repeated field, at most `maxCount` of them (`dims` of a tensor).
   * Undefined when there are more, so a caller never holds an attacker-sized array.
   */
  async packedVarints(field: WireField, maxCount: number): Promise<bigint[] | undefined> {
    if (field.wireType !== WIRE_LEN) return undefined;
    if (field.length > maxCount * 10) return undefined;
    const bytes = await this.view(field.offset, field.length);
    const values: bigint[] = [];
    let index = 0;
    while (index < bytes.length) {
      if (values.length >= maxCount) return undefined;
      const v = readVarint(bytes, index, bytes.length, field.offset);
      values.push(v.value);
      index = v.next;
    }
    return values;
  }
}
