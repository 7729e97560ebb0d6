import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BufferSource } from "../byteSource.js";
import { COMPRESSED_SCANNERS } from "../formats/compressed.js";
import { joblibScanner } from "../formats/joblib.js";
import { numpyNpyScanner } from "../formats/numpy.js";
import { pytorchTarScanner } from "../formats/pytorchTar.js";
import { pytorchZipScanner } from "../formats/pytorchZip.js";
import { runScanner } from "../testing/scanHarness.js";
import { DEFAULT_LIMITS, type FormatScanner, type ScanIssue } from "../types.js";
import { parseNpyHeader } from "./npyHeader.js";
import { fixture } from "./testdata/fixtures.js";
import { openZipMember, readZip } from "./zipReader.js";

/**
 * Mutation fuzzing of real files: flipped, deleted and inserted bytes and truncation must never
 * make a reader throw, hang or allocate without bound. Each property runs against a time limit
 * per case, and memory is compared before and after.
 */

type Mutation =
  | { kind: "flip"; at: number; value: number }
  | { kind: "truncate"; at: number }
  | { kind: "insert"; at: number; bytes: number[] }
  | { kind: "delete"; at: number; length: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), value: fc.nat(255) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("insert" as const),
      at: fc.nat(),
      bytes: fc.array(fc.oneof(fc.nat(255), fc.constantFrom(0x50, 0x4b, 0x03, 0x04, 0xff, 0x00)), {
        minLength: 1,
        maxLength: 8,
      }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("delete" as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 16 }),
    }),
  },
);

function mutate(original: Uint8Array, mutations: Mutation[]): Uint8Array {
  let bytes = original.slice();
  for (const m of mutations) {
    if (bytes.length === 0) break;
    const at = m.at % bytes.length;
    if (m.kind === "flip") bytes[at] = m.value;
    else if (m.kind === "truncate") bytes = bytes.slice(0, at);
    else if (m.kind === "insert")
      bytes = new Uint8Array([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
    else bytes = new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + m.length)]);
  }
  return bytes;
}

const mutations = fc.array(mutation, { minLength: 1, maxLength: 6 });
const RUNS = 250;

async function withinTime<T>(work: Promise<T>, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function property(
  original: Uint8Array,
  check: (bytes: Uint8Array) => Promise<void>,
): Promise<void> {
  const before = process.memoryUsage().arrayBuffers;
  await fc.assert(
    fc.asyncProperty(mutations, async (ms) => {
      await withinTime(check(mutate(original, ms)));
    }),
    { numRuns: RUNS },
  );
  expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(256 * 1024 * 1024);
}

async function readWholeZip(bytes: Uint8Array): Promise<void> {
  const issues: ScanIssue[] = [];
  const options = { limits: DEFAULT_LIMITS, report: (i: ScanIssue) => issues.push(i) };
  const archive = await readZip(new BufferSource(bytes), options);
  if (!archive) return;
  const budget = { remaining: DEFAULT_LIMITS.maxExpandedBytes };
  for (const entry of archive.entries) {
    const source = await openZipMember(archive, entry, { ...options, budget });
    if (source) await source.read(0, Math.min(source.size, 1 << 20));
  }
}

const scanWith = (scanner: FormatScanner) => async (bytes: Uint8Array) => {
  await runScanner(scanner, bytes, { name: "fuzzed" });
};

describe("fuzzing real files", () => {
  it("zipReader survives mutated PyTorch checkpoints", () =>
    property(fixture("torch_state_dict.pt"), readWholeZip));
  it("zipReader survives mutated deflated .npz files", () =>
    property(fixture("arrays_compressed.npz"), readWholeZip));
  it("the PyTorch scanner survives mutated TorchScript archives", () =>
    property(fixture("torchscript.pt"), scanWith(pytorchZipScanner)));

  it("the .npy parser and scanner survive mutated arrays", async () => {
    for (const name of ["float.npy", "object.npy", "structured.npy"]) {
      await property(fixture(name), async (bytes) => {
        parseNpyHeader(bytes);
        await runScanner(numpyNpyScanner, bytes, { name: "fuzzed.npy" });
      });
    }
  });

  it("the tar and legacy PyTorch scanners survive mutated legacy checkpoints", () =>
    property(fixture("torch_legacy.tar"), scanWith(pytorchTarScanner)));
  it("the joblib scanner survives mutated dumps", () =>
    property(fixture("logreg.joblib"), scanWith(joblibScanner)));

  it("the decompressors survive mutated streams", async () => {
    for (const [index, name] of [
      "logreg.joblib.gz",
      "logreg.joblib.z",
      "logreg.joblib.bz2",
      "logreg.joblib.xz",
      "logreg.joblib.lz4",
    ].entries()) {
      await property(fixture(name), scanWith(COMPRESSED_SCANNERS[index]!));
    }
  });
});
