import { describe, expect, it } from "vitest";
import { BufferSource } from "../byteSource.js";
import { BufferedReader } from "./bufferedReader.js";
import { ConcatSource } from "./concatSource.js";
import { JoblibLayoutError, locateJoblibArrays } from "./joblibLayout.js";
import { dictGet, PickleWalkError, walkPickle } from "./pickleWalker.js";
import { fixture } from "./testdata/fixtures.js";

const walk = (bytes: Uint8Array) => {
  const source = new BufferSource(bytes);
  return walkPickle(new BufferedReader(source, 0, source.size));
};

describe("pickle walker", () => {
  it("walks a protocol-0 pickle and reads its values", async () => {
    // {'a': (1, 'x')} as pickle.dumps(..., protocol=0) writes it
    const p0 = new TextEncoder().encode("(dp0\nVa\np1\n(I1\nVx\np2\ntp3\ns.");
    const { value, end } = await walk(p0);
    expect(end).toBe(p0.length);
    expect(dictGet(value, "a")).toMatchObject({
      kind: "tuple",
      items: [
        { kind: "int", value: 1n },
        { kind: "str", value: "x" },
      ],
    });
  });

  it("stops at the first STOP of stacked pickles", async () => {
    const two = new Uint8Array([0x80, 0x02, 0x4b, 0x01, 0x2e, 0x80, 0x02, 0x4b, 0x02, 0x2e]);
    expect((await walk(two)).end).toBe(5);
  });

  it("fails on unknown opcodes, underflow and missing STOP without throwing anything else", async () => {
    await expect(walk(new Uint8Array([0x80, 0x02, 0xff]))).rejects.toBeInstanceOf(PickleWalkError);
    await expect(walk(new Uint8Array([0x80, 0x02, 0x52]))).rejects.toBeInstanceOf(PickleWalkError);
    await expect(walk(new Uint8Array([0x80, 0x02, 0x4b]))).rejects.toBeInstanceOf(PickleWalkError);
    await expect(walk(new Uint8Array([0x80, 0x02, 0x68, 0x07]))).rejects.toBeInstanceOf(
      PickleWalkError,
    );
  });

  it("skips huge byte strings without reading them", async () => {
    // BINBYTES8 claiming 2^40 bytes in a 20-byte input
    const bytes = new Uint8Array([0x80, 0x04, 0x8e, 0, 0, 0, 0, 0, 1, 0, 0, 0x2e]);
    await expect(walk(bytes)).rejects.toBeInstanceOf(PickleWalkError);
  });
});

describe("joblib layout on real dumps", () => {
  it("finds the four arrays of a LogisticRegression and leaves a valid pickle", async () => {
    const bytes = fixture("logreg.joblib");
    const layout = await locateJoblibArrays(new BufferSource(bytes));
    expect(layout.arrays.map((a) => [a.dtype, a.shape, a.kind])).toEqual([
      ["i8", [3], "raw"],
      ["i4", [1], "raw"],
      ["f8", [3, 4], "raw"],
      ["f8", [3], "raw"],
    ]);
    // The raw bytes are the padding byte, the padding and prod(shape) × itemsize.
    expect(layout.arrays[2]!.size).toBe(1 + bytes[layout.arrays[2]!.offset]! + 96);
    expect(layout.end).toBe(bytes.length);
    const pickle = new ConcatSource(new BufferSource(bytes), layout.pickle);
    const again = await walkPickle(new BufferedReader(pickle, 0, pickle.size));
    expect(again.end).toBe(pickle.size);
    expect(pickle.size + layout.arrays.reduce((a, b) => a + b.size, 0)).toBe(bytes.length);
  });

  it("finds object arrays as nested pickles", async () => {
    const layout = await locateJoblibArrays(new BufferSource(fixture("arrays.joblib")));
    expect(layout.arrays.map((a) => [a.dtype, a.kind])).toEqual([
      ["f4", "raw"],
      ["O8", "pickle"],
    ]);
  });

  it("refuses an array that claims more bytes than the stream holds", async () => {
    const bytes = fixture("logreg.joblib");
    const layout = await locateJoblibArrays(new BufferSource(bytes));
    const cut = bytes.subarray(0, layout.arrays[2]!.offset + 20);
    await expect(locateJoblibArrays(new BufferSource(cut))).rejects.toBeInstanceOf(
      JoblibLayoutError,
    );
  });
});
