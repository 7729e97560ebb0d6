import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concat, encodeVarint, proto } from "../formats/testdata/protoWriter.js";
import {
  asInt64,
  fields,
  packedVarints,
  readField,
  readVarint,
  toSafeNumber,
  WIRE_I32,
  WIRE_I64,
  WIRE_LEN,
  WIRE_VARINT,
  WireError,
} from "./wireReader.js";

describe("readVarint", () => {
  it("round-trips every 64-bit value", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (value) => {
        const bytes = encodeVarint(value);
        const decoded = readVarint(bytes, 0, bytes.length);
        expect(decoded.value).toBe(value);
        expect(decoded.next).toBe(bytes.length);
      }),
    );
  });

  it("reads negative int64 values from their 10-byte form", () => {
    const bytes = encodeVarint(-5n);
    expect(bytes.length).toBe(10);
    expect(asInt64(readVarint(bytes, 0, bytes.length).value)).toBe(-5n);
  });

  it("refuses truncated, overlong and overflowing varints", () => {
    expect(() => readVarint(Uint8Array.of(0x80, 0x80), 0, 2)).toThrow(WireError);
    expect(() => readVarint(new Uint8Array(11).fill(0x80), 0, 11)).toThrow(/overflows 64 bits/);
    const overflow = Uint8Array.of(...new Array(9).fill(0xff), 0x02);
    expect(() => readVarint(overflow, 0, overflow.length)).toThrow(/overflows/);
    // The limit is respected even when the buffer goes on.
    expect(() => readVarint(Uint8Array.of(0x80, 0x01), 0, 1)).toThrow(/truncated/);
  });
});

describe("fields", () => {
  it("decodes all four wire types with offsets and lengths", () => {
    const bytes = proto().varint(1, 300).fixed64(2, 7n).string(3, "hi").fixed32(4, 9).finish();
    const out = [...fields(bytes)];
    expect(out.map((f) => [f.field, f.wireType])).toEqual([
      [1, WIRE_VARINT],
      [2, WIRE_I64],
      [3, WIRE_LEN],
      [4, WIRE_I32],
    ]);
    expect(out[0]!.value).toBe(300n);
    expect(out[1]!.value).toBe(7n);
    const text = out[2]!;
    expect(new TextDecoder().decode(bytes.subarray(text.offset, text.offset + text.length))).toBe(
      "hi",
    );
    expect(out[3]!.value).toBe(9n);
  });

  it("skips a payload by offset without reading it, and reports absolute offsets", () => {
    const bytes = proto().bytes(9, new Uint8Array(1000)).varint(1, 1).finish();
    const out = [...fields(bytes, 0, bytes.length, 5000)];
    expect(out[0]!.offset).toBe(5000 + 3);
    expect(out[0]!.length).toBe(1000);
    expect(out[1]!.start).toBe(5000 + 1003);
  });

  it("refuses lengths past the message, groups, unknown wire types and field 0", () => {
    const lying = concat([encodeVarint((1 << 3) | 2), encodeVarint(100), new Uint8Array(5)]);
    expect(() => [...fields(lying)]).toThrow(/runs past/);
    for (const tag of [(1 << 3) | 3, (1 << 3) | 4, (1 << 3) | 6, (1 << 3) | 7]) {
      expect(() => [...fields(Uint8Array.of(tag, 0))]).toThrow(/wire type/);
    }
    expect(() => [...fields(Uint8Array.of(0x00, 0x00))]).toThrow(/invalid field 0/);
    expect(() => [...fields(Uint8Array.of(0x0d, 1, 2))]).toThrow(/truncated fixed/);
    expect(() => [...fields(new Uint8Array(4), 3, 9)]).toThrow(/outside the buffer/);
  });

  it("treats a nested message's end as the limit", () => {
    const inner = proto().varint(1, 1).finish();
    const outer = proto().message(2, inner).varint(3, 4).finish();
    const [field] = [...fields(outer)];
    expect(
      [...fields(outer, field!.offset, field!.offset + field!.length)].map((f) => f.field),
    ).toEqual([1]);
    // A header that starts inside the message but claims bytes past its end is refused.
    expect(() => readField(outer, 0, field!.offset, field!.offset + 1)).toThrow(WireError);
  });

  it("decodes packed varints and safe numbers", () => {
    const bytes = concat([encodeVarint(3), encodeVarint(1n << 40n), encodeVarint(-1n)]);
    expect([...packedVarints(bytes, 0, bytes.length)].map(asInt64)).toEqual([3n, 1n << 40n, -1n]);
    expect(toSafeNumber(1n << 60n)).toBeUndefined();
    expect(toSafeNumber(42n)).toBe(42);
  });
});

describe("fuzzing", () => {
  const isWireError = (run: () => unknown): boolean => {
    try {
      run();
      return true;
    } catch (error) {
      return error instanceof WireError;
    }
  };

  it("random bytes either parse or fail with a WireError, never another error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        expect(isWireError(() => [...fields(bytes)])).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("mutations of a valid message stay inside the buffer", () => {
    const valid = proto()
      .varint(1, 8)
      .string(2, "pytorch")
      .message(
        7,
        proto()
          .message(1, proto().string(4, "Relu"))
          .message(5, proto().bytes(9, new Uint8Array(64))),
      )
      .finish();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
          maxLength: 8,
        }),
        (edits) => {
          const bytes = valid.slice();
          for (const [at, value] of edits) bytes[at] = value;
          const ok = isWireError(() => {
            for (const f of fields(bytes)) {
              expect(f.offset + f.length).toBeLessThanOrEqual(bytes.length);
              if (f.wireType === WIRE_LEN) [...fields(bytes, f.offset, f.offset + f.length)];
            }
          });
          expect(ok).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
