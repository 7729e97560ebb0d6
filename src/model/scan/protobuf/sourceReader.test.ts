import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BufferSource, type ByteSource } from "../byteSource.js";
import { proto } from "../formats/testdata/protoWriter.js";
import { BudgetError, SourceReader } from "./sourceReader.js";
import { WireError } from "./wireReader.js";

/** A source that counts the bytes it hands out, to prove payloads are skipped. */
class CountingSource implements ByteSource {
  bytesRead = 0;
  constructor(private readonly inner: ByteSource) {}
  get size(): number {
    return this.inner.size;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = await this.inner.read(offset, length);
    this.bytesRead += out.length;
    return out;
  }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe("SourceReader", () => {
  it("walks fields through a small window and skips large payloads unread", async () => {
    const big = new Uint8Array(5_000_000);
    const bytes = proto().string(1, "name").bytes(9, big).string(8, "after").finish();
    const source = new CountingSource(new BufferSource(bytes));
    const reader = new SourceReader(source, { window: 64 });
    const found = await collect(reader.fields(0, bytes.length));
    expect(found.map((f) => f.field)).toEqual([1, 9, 8]);
    expect(await reader.string(found[2]!)).toBe("after");
    expect(source.bytesRead).toBeLessThan(1000);
  });

  it("reads strings cut to a maximum and refuses oversized byte payloads", async () => {
    const bytes = proto().string(1, "x".repeat(100)).finish();
    const reader = new SourceReader(new BufferSource(bytes));
    const [field] = await collect(reader.fields(0, bytes.length));
    expect(await reader.string(field!, 10)).toBe("x".repeat(10));
    expect(await reader.bytes(field!, 50)).toBeUndefined();
    expect((await reader.bytes(field!, 100))?.length).toBe(100);
  });

  it("decodes packed varints up to a count", async () => {
    const bytes = proto().packed(1, [1, 2, 3]).finish();
    const reader = new SourceReader(new BufferSource(bytes));
    const [field] = await collect(reader.fields(0, bytes.length));
    expect(await reader.packedVarints(field!, 3)).toEqual([1n, 2n, 3n]);
    expect(await reader.packedVarints(field!, 2)).toBeUndefined();
  });

  it("stops at the field budget", async () => {
    const writer = proto();
    for (let i = 0; i < 100; i++) writer.varint(1, i);
    const bytes = writer.finish();
    const reader = new SourceReader(new BufferSource(bytes), { fieldBudget: 10 });
    await expect(collect(reader.fields(0, bytes.length))).rejects.toBeInstanceOf(BudgetError);
  });

  it("refuses a message range outside the source", async () => {
    const reader = new SourceReader(new BufferSource(new Uint8Array(4)));
    await expect(collect(reader.fields(0, 10))).rejects.toBeInstanceOf(WireError);
  });

  it("fuzz: random bytes only ever fail with a WireError", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 200 }),
        fc.integer({ min: 16, max: 64 }),
        async (bytes, window) => {
          const reader = new SourceReader(new BufferSource(bytes), { window });
          try {
            for await (const f of reader.fields(0, bytes.length)) {
              if (f.wireType === 2) await collect(reader.fields(f.offset, f.offset + f.length));
            }
          } catch (error) {
            expect(error).toBeInstanceOf(WireError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
