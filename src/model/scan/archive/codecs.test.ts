import { deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { BufferSource } from "../byteSource.js";
import { DEFAULT_LIMITS } from "../types.js";
import { CorruptStreamError, OutputLimitError } from "./codecError.js";
import { type Codec, type DecodeInfo, decodeChunks } from "./codecs.js";
import { concat, expand } from "./expand.js";
import { decodeBlock } from "./lz4Codec.js";
import { StreamedSource } from "./streamedSource.js";
import { fixture } from "./testdata/fixtures.js";

const encode = (s: string) => new TextEncoder().encode(s);
/** Byte equality without vitest's element-by-element diffing, which is slow on megabytes. */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

async function decode(codec: Codec, bytes: Uint8Array, maxOutput = 1 << 30, info: DecodeInfo = {}) {
  const chunks: Uint8Array[] = [];
  for await (const chunk of decodeChunks(
    codec,
    new BufferSource(bytes),
    { maxOutput, maxInMemory: 1 << 30 },
    info,
  )) {
    chunks.push(chunk);
  }
  return concat(chunks);
}

/** An LZ4 frame built by hand: FLG (version 1, independent or linked blocks), BD, HC, blocks. */
function lz4Frame(blocks: { data: Uint8Array; stored?: boolean }[], linked = false): Uint8Array {
  const parts: number[] = [0x04, 0x22, 0x4d, 0x18, linked ? 0x40 : 0x60, 0x40, 0x00];
  for (const block of blocks) {
    const n = block.data.length | (block.stored ? 0x80000000 : 0);
    parts.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
    parts.push(...block.data);
  }
  parts.push(0, 0, 0, 0);
  return new Uint8Array(parts);
}

describe("codecs decode what the real libraries write", () => {
  const joblib = fixture("logreg.joblib");
  it.each([
    ["zlib", "logreg.joblib.z"],
    ["gzip", "logreg.joblib.gz"],
    ["bzip2", "logreg.joblib.bz2"],
    ["xz", "logreg.joblib.xz"],
    ["lz4", "logreg.joblib.lz4"],
  ] as const)("%s (%s)", async (codec, name) => {
    expect(same(await decode(codec, fixture(name)), joblib)).toBe(true);
  });

  it("raw deflate reports how much input the stream used", async () => {
    const info: DecodeInfo = {};
    const raw = deflateRawSync(encode("hello hello hello"));
    const out = await decode("deflate-raw", concat([raw, encode("slack")]), 1 << 20, info);
    expect(new TextDecoder().decode(out)).toBe("hello hello hello");
    expect(info.consumed).toBe(raw.length);
  });
});

describe("gzip members", () => {
  it("reads concatenated members and accepts zero padding", async () => {
    const bytes = concat([
      gzipSync(encode("hello ")),
      gzipSync(encode("world")),
      new Uint8Array(100),
    ]);
    const info: DecodeInfo = {};
    expect(new TextDecoder().decode(await decode("gzip", bytes, 1 << 20, info))).toBe(
      "hello world",
    );
    expect(info.trailingOffset).toBeUndefined();
  });

  it("keeps the output and flags trailing garbage", async () => {
    const first = gzipSync(encode("payload"));
    const info: DecodeInfo = {};
    const out = await decode("gzip", concat([first, encode("GARBAGE")]), 1 << 20, info);
    expect(new TextDecoder().decode(out)).toBe("payload");
    expect(info.trailingOffset).toBe(first.length);
  });

  it("fails on a CRC mismatch and on truncation", async () => {
    const bytes = gzipSync(encode("payload")).slice();
    bytes[bytes.length - 8] = bytes[bytes.length - 8]! ^ 0xff;
    await expect(decode("gzip", bytes)).rejects.toBeInstanceOf(CorruptStreamError);
    await expect(
      decode("gzip", gzipSync(encode("x".repeat(1000))).subarray(0, 12)),
    ).rejects.toBeInstanceOf(CorruptStreamError);
  });
});

describe("bzip2 streams", () => {
  it("flags bytes after the last stream", async () => {
    const bz = fixture("logreg.joblib.bz2");
    const info: DecodeInfo = {};
    const out = await decode("bzip2", concat([bz, encode("junk")]), 1 << 20, info);
    expect(out.length).toBe(fixture("logreg.joblib").length);
    expect(info.trailingOffset).toBe(bz.length);
  });

  it("fails cleanly on a truncated stream", async () => {
    await expect(
      decode("bzip2", fixture("logreg.joblib.bz2").subarray(0, 100)),
    ).rejects.toBeInstanceOf(CorruptStreamError);
  });
});

describe("xz streams", () => {
  it("fails cleanly on truncation and corruption, and releases its lock", async () => {
    const xz = fixture("logreg.joblib.xz");
    await expect(decode("xz", xz.subarray(0, 200))).rejects.toBeInstanceOf(CorruptStreamError);
    const bad = xz.slice();
    bad[60] = bad[60]! ^ 0xff;
    await expect(decode("xz", bad)).rejects.toBeInstanceOf(CorruptStreamError);
    // A stream abandoned part-way must not block the next one (the module has one lock).
    for await (const _ of decodeChunks("xz", new BufferSource(xz), {
      maxOutput: 1 << 20,
      maxInMemory: 1 << 30,
    }))
      break;
    expect((await decode("xz", xz)).length).toBe(975);
  });
});

describe("lz4 frames", () => {
  it("decodes stored, compressed and linked blocks", async () => {
    // "abcabcabcabc…": literals "abc", then a match of offset 3, length 12, then literals "!".
    const block = new Uint8Array([0x38, 0x61, 0x62, 0x63, 0x03, 0x00, 0x10, 0x21]);
    const linkedSecond = new Uint8Array([0x00, 0x03, 0x00]);
    const out = await decode(
      "lz4",
      lz4Frame([{ data: encode("xyz"), stored: true }, { data: block }]),
    );
    expect(new TextDecoder().decode(out)).toBe("xyzabcabcabcabcabc!");
    // In linked mode a match may reach into the previous block.
    const linked = await decode(
      "lz4",
      lz4Frame([{ data: encode("hello"), stored: true }, { data: linkedSecond }], true),
    );
    expect(new TextDecoder().decode(linked)).toBe("hellollol");
  });

  it("refuses out-of-range matches instead of reading outside the buffer", () => {
    expect(() =>
      decodeBlock(new Uint8Array([0x10, 0x61, 0x05, 0x00]), new Uint8Array(64), 0),
    ).toThrow(CorruptStreamError);
    expect(() => decodeBlock(new Uint8Array([0xf0, 0xff, 0xff]), new Uint8Array(64), 0)).toThrow(
      CorruptStreamError,
    );
  });

  it("refuses matches into the previous block when blocks are independent", async () => {
    await expect(
      decode(
        "lz4",
        lz4Frame([
          { data: encode("hello"), stored: true },
          { data: new Uint8Array([0x00, 0x03, 0x00]) },
        ]),
      ),
    ).rejects.toBeInstanceOf(CorruptStreamError);
  });
});

describe("expand limits", () => {
  const limits = { ...DEFAULT_LIMITS, maxExpandedBytes: 1 << 20 };

  it("stops every codec at the cap", async () => {
    const zeros = new Uint8Array(4 << 20);
    for (const [codec, bytes] of [
      ["zlib", deflateSync(zeros)],
      ["gzip", gzipSync(zeros)],
    ] as const) {
      const result = await expand(codec, new BufferSource(bytes), { limits });
      expect(result.status, codec).toBe("limit");
      if (result.status === "limit") expect(result.produced).toBeLessThan((1 << 20) + 256 * 1024);
    }
    await expect(
      (async () => {
        for await (const _ of decodeChunks("gzip", new BufferSource(gzipSync(zeros)), {
          maxOutput: 1000,
          maxInMemory: 1 << 30,
        })) {
          // keep reading
        }
      })(),
    ).rejects.toBeInstanceOf(OutputLimitError);
  });

  it("keeps small output in memory and streams large output lazily", async () => {
    const data = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
    const small = await expand("zlib", new BufferSource(deflateSync(data.subarray(0, 1000))), {
      limits: DEFAULT_LIMITS,
    });
    expect(small.status === "ok" && small.source instanceof BufferSource).toBe(true);
    const lazyLimits = { ...DEFAULT_LIMITS, maxInMemoryBytes: 1024 * 1024 };
    const big = await expand("zlib", new BufferSource(deflateSync(data)), { limits: lazyLimits });
    if (big.status !== "ok") throw new Error("expected ok");
    expect(big.source).toBeInstanceOf(StreamedSource);
    expect(big.size).toBe(data.length);
    expect(same(await big.source.read(2_000_000, 10), data.subarray(2_000_000, 2_000_010))).toBe(
      true,
    );
    expect(same(await big.source.read(5, 10), data.subarray(5, 15))).toBe(true);
    expect(same(await big.source.read(0, big.size), data)).toBe(true);
  });
});

describe("StreamedSource", () => {
  it("serves forward, backward and concurrent reads by re-decoding", async () => {
    const data = new Uint8Array(50_000).map((_, i) => i & 0xff);
    let opened = 0;
    const source = new StreamedSource(
      data.length,
      data.subarray(0, 100),
      async function* () {
        opened++;
        for (let i = 0; i < data.length; i += 7_000) yield data.subarray(i, i + 7_000);
      },
      10_000,
    );
    expect(await source.read(0, 50)).toEqual(data.subarray(0, 50));
    expect(opened).toBe(0);
    const [a, b] = await Promise.all([source.read(30_000, 100), source.read(40_000, 100)]);
    expect(a).toEqual(data.subarray(30_000, 30_100));
    expect(b).toEqual(data.subarray(40_000, 40_100));
    expect(opened).toBe(1);
    expect(await source.read(1_000, 10)).toEqual(data.subarray(1_000, 1_010));
    expect(opened).toBe(2);
    expect(await source.read(49_990, 100)).toEqual(data.subarray(49_990));
    await source.close();
  });
});
