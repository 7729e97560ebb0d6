import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultPolicy } from "../policy/index.js";
import { analyzePickle } from "./analyze.js";
import { looksLikePickle } from "./detect.js";
import { analyzePickleStream } from "./stream.js";
import { runPickle } from "./vm.js";

/**
 * Mutation fuzzing on the real fixtures: flipped, inserted, deleted bytes and truncations
 * must never make the machine throw, hang or hold more than the input can account for.
 */

const dir = new URL("./testdata/", import.meta.url);
const fixtures = readdirSync(dir)
  .filter((f) => /\.(pkl|pt)$/.test(f))
  .map((f) => new Uint8Array(readFileSync(new URL(f, dir))));
const policy = defaultPolicy();

type Mutation =
  | { kind: "flip"; at: number; value: number }
  | { kind: "insert"; at: number; value: number }
  | { kind: "delete"; at: number }
  | { kind: "truncate"; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant("flip" as const),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    value: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = Array.from(input);
  for (const m of mutations) {
    if (bytes.length === 0) break;
    const at = m.at % bytes.length;
    if (m.kind === "flip") bytes[at] = m.value;
    else if (m.kind === "insert") bytes.splice(at, 0, m.value);
    else if (m.kind === "delete") bytes.splice(at, 1);
    else bytes = bytes.slice(0, at);
  }
  return Uint8Array.from(bytes);
}

function checkBounded(bytes: Uint8Array): void {
  const started = performance.now();
  const stream = analyzePickleStream(bytes, policy);
  const single = runPickle(bytes, 0, bytes.length, { maxStack: 64, maxMemo: 64, maxRecords: 8 });
  expect(performance.now() - started).toBeLessThan(2000);
  expect(single.end).toBeGreaterThanOrEqual(0);
  expect(single.end).toBeLessThanOrEqual(bytes.length);
  expect(single.complete || single.error !== undefined).toBe(true);
  // Everything the machine keeps is bounded by the input or by its limits.
  expect(single.globals.size).toBeLessThanOrEqual(bytes.length);
  expect(single.unresolved.length).toBeLessThanOrEqual(8);
  expect(single.dynamicCalls.length).toBeLessThanOrEqual(8);
  expect(single.anomalies.length).toBeLessThanOrEqual(8);
  for (const p of stream.pickles) expect(p.end).toBeLessThanOrEqual(bytes.length);
  expect(stream.issues.length).toBeLessThanOrEqual(20 * 1000 + bytes.length);
  expect(() => looksLikePickle(bytes, bytes.length)).not.toThrow();
}

describe("fuzzing the VM with mutated real pickles", () => {
  it("never throws, hangs or grows past its bounds", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: fixtures.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 8 }),
        (index, mutations) => {
          checkBounded(mutate(fixtures[index]!, mutations));
        },
      ),
      { numRuns: 1500, seed: 20240611 },
    );
  });

  it("survives random bytes behind a PROTO header", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.uint8Array({ maxLength: 300 }),
        (proto, body) => {
          const bytes = new Uint8Array(body.length + 2);
          bytes.set([0x80, proto]);
          bytes.set(body, 2);
          checkBounded(bytes);
        },
      ),
      { numRuns: 1500, seed: 7 },
    );
  });

  it("starts anywhere inside a fixture without throwing", () => {
    for (const bytes of fixtures) {
      for (
        let offset = 0;
        offset < bytes.length;
        offset += Math.max(1, Math.floor(bytes.length / 64))
      ) {
        expect(() => analyzePickle(bytes, offset, policy)).not.toThrow();
      }
    }
  });
});
