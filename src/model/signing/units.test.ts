/**
 * The pieces on their own: resource order, DSSE encodings, shard hashing, and the fail-closed
 * reading of bundles and statements (each hostile statement is properly signed, so only the
 * parser stands between it and the model).
 */
import { createHash, randomBytes, sign } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildBundle, parseBundle } from "./bundle.js";
import { legacyPae, pae, pythonBytesRepr } from "./dsse.js";
import { hashShards } from "./hash.js";
import { verifyModel } from "./index.js";
import { keyHintOf, loadSigningKey } from "./keys.js";
import { rootDigestOf } from "./manifest.js";
import { comparePaths, ignoreNames, isSafeResourcePath } from "./paths.js";
import { ecKeyPair, tempDir, writeTree } from "./testing/fixtures.js";

describe("resource order", () => {
  it("sorts by path components, by code point, as Python's PurePosixPath", () => {
    const names = ["a.b", "b", "a/b", "A", "a/a/z", "é", "\u{1F600}", "\uFFFD", "a"];
    expect(names.sort(comparePaths)).toEqual([
      "A",
      "a",
      "a/a/z",
      "a/b",
      "a.b",
      "b",
      "é",
      "\uFFFD",
      "\u{1F600}", // an astral code point sorts after U+FFFD (UTF-16 would put it first)
    ]);
  });

  it("accepts only names inside the model", () => {
    for (const ok of [".", "a", "a/b.bin", "a b/c:d", "..a/b"])
      expect(isSafeResourcePath(ok)).toBe(true);
    for (const bad of ["", "/etc/passwd", "../x", "a/../b", "a//b", "a/./b", "a/", "x\0y"]) {
      expect(isSafeResourcePath(bad), bad).toBe(false);
    }
  });

  it("normalises ignore paths and drops those outside the model", () => {
    expect(ignoreNames("/m", ["./x/", "/m/y/z", "/elsewhere", "../m2", "x", "."])).toEqual([
      "x",
      "y/z",
    ]);
  });
});

describe("DSSE", () => {
  it("PAE is DSSEv1 SP len SP type SP len SP body", () => {
    expect(pae(Buffer.from("hello"), "t/x").toString()).toBe("DSSEv1 3 t/x 5 hello");
  });

  it("the v0.2.0 encoding embeds Python's repr of the payload", () => {
    expect(
      pythonBytesRepr(Buffer.from('{"a": 1}\n\t\\\x00\xff'.split("").map((c) => c.charCodeAt(0)))),
    ).toBe("b'{\"a\": 1}\\n\\t\\\\\\x00\\xff'");
    expect(pythonBytesRepr(Buffer.from("it's"))).toBe(`b"it's"`);
    expect(pythonBytesRepr(Buffer.from(`it's "x"`))).toBe(`b'it\\'s "x"'`);
    expect(legacyPae(Buffer.from("{}\n")).toString()).toBe(
      "DSSEV1 28 application/vnd.in-toto+json 3 b'{}\\n'",
    );
  });
});

describe("shard hashing", () => {
  let dir = "";
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([1, 7, 1024 * 1024, 1024 * 1024 + 1, 5_000_000])(
    "splits at every %i bytes",
    async (size) => {
      // Enough shards to cross boundaries, and at least two 1 MiB read chunks for the big sizes.
      const data = randomBytes(Math.min(2 * 1024 * 1024 + 3, size * 40 + 3));
      const path = join(dir, "f");
      writeFileSync(path, data);
      const { shards } = await hashShards(path, size);
      const expected = [];
      for (let start = 0; start < data.length; start += size) {
        const end = Math.min(start + size, data.length);
        expected.push({
          start,
          end,
          digest: createHash("sha256").update(data.subarray(start, end)).digest("hex"),
        });
      }
      expect(shards).toEqual(expected);
    },
    20_000,
  );

  it("an empty file has no shard", async () => {
    writeFileSync(join(dir, "e"), "");
    expect((await hashShards(join(dir, "e"), 8)).shards).toEqual([]);
  });
});

describe("fail closed", () => {
  let dir = "";
  const { privatePem, publicPem } = ecKeyPair("P-256");
  const key = loadSigningKey(privatePem);
  beforeEach(() => {
    dir = tempDir();
    writeTree(join(dir, "m"), { "w.bin": "weights" });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const WEIGHTS = createHash("sha256").update("weights").digest("hex");

  function statement(overrides: Record<string, unknown> = {}, resources?: unknown[]) {
    const res = resources ?? [{ algorithm: "sha256", digest: WEIGHTS, name: "w.bin" }];
    return {
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "m", digest: { sha256: rootDigestOf(res as { digest: string }[]) } }],
      predicateType: "https://model_signing/signature/v1.0",
      predicate: {
        serialization: { method: "files", hash_type: "sha256", allow_symlinks: false },
        resources: res,
      },
      ...overrides,
    };
  }

  /** Signs anything, properly, with the test key. */
  function signed(doc: unknown): string {
    const payload = Buffer.from(JSON.stringify(doc, null, 2));
    const sig = sign("sha256", pae(payload), { key: key.privateKey, dsaEncoding: "der" });
    return buildBundle(payload, sig, { kind: "key", hint: keyHintOf(key.publicKey) });
  }

  async function problemsOf(bundle: string): Promise<string[]> {
    const signaturePath = join(dir, "m.sig");
    writeFileSync(signaturePath, bundle);
    const result = await verifyModel(join(dir, "m"), { signaturePath, publicKeyPem: publicPem });
    if (result.problems.length > 0) expect(result.verified).toBe(false);
    return result.problems;
  }

  it("a well-formed signed statement verifies (the baseline)", async () => {
    expect(await problemsOf(signed(statement()))).toEqual([]);
  });

  it.each([
    [
      "an unknown predicate type",
      { predicateType: "https://model_signing/signature/v2.0" },
      /predicate type .*v2\.0.* does not know/,
    ],
    ["another statement type", { _type: "https://in-toto.io/Statement/v0.1" }, /_type/],
    [
      "two subjects",
      {
        subject: [
          { name: "a", digest: { sha256: WEIGHTS } },
          { name: "b", digest: { sha256: WEIGHTS } },
        ],
      },
      /2 subjects/,
    ],
    ["an unknown top-level field", { extra: 1 }, /field\(s\) extra/],
    [
      "a hash Rampart does not verify",
      {
        predicate: {
          serialization: { method: "files", hash_type: "blake3", allow_symlinks: false },
          resources: [],
        },
      },
      /"blake3"; Rampart verifies sha256 only/,
    ],
    [
      "an unknown serialization field",
      {
        predicate: {
          serialization: { method: "files", hash_type: "sha256", allow_symlinks: false, chunk: 1 },
          resources: [],
        },
      },
      /field\(s\) chunk/,
    ],
    [
      "an unknown method",
      {
        predicate: {
          serialization: { method: "tensors", hash_type: "sha256", allow_symlinks: false },
          resources: [],
        },
      },
      /method "tensors"/,
    ],
    [
      "a wrong root digest",
      { subject: [{ name: "m", digest: { sha256: "0".repeat(64) } }] },
      /inconsistent: its resources hash to [0-9a-f]{64}, not to the signed root digest 0{64}/,
    ],
  ])("rejects %s", async (_what, overrides, problem) => {
    const problems = await problemsOf(signed(statement(overrides)));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it.each([
    ["a path outside the model", "../outside", /not a path inside the model/],
    ["an absolute path", "/etc/passwd", /not a path inside the model/],
  ])("rejects %s", async (_what, name, problem) => {
    const problems = await problemsOf(
      signed(statement({}, [{ algorithm: "sha256", digest: WEIGHTS, name }])),
    );
    expect(problems[0]).toMatch(problem);
  });

  it("rejects duplicates, foreign algorithms and malformed shards", async () => {
    const dup = [
      { algorithm: "sha256", digest: WEIGHTS, name: "w.bin" },
      { algorithm: "sha256", digest: WEIGHTS, name: "w.bin" },
    ];
    expect((await problemsOf(signed(statement({}, dup))))[0]).toMatch(/lists "w.bin" twice/);
    const md5 = [{ algorithm: "md5", digest: WEIGHTS, name: "w.bin" }];
    expect((await problemsOf(signed(statement({}, md5))))[0]).toMatch(/hashed with "md5"/);
    const shards = (name: string) => ({
      predicate: {
        serialization: {
          method: "shards",
          hash_type: "sha256",
          allow_symlinks: false,
          shard_size: 8,
        },
        resources: [{ algorithm: "sha256-sharded-8", digest: WEIGHTS, name }],
      },
      subject: [{ name: "m", digest: { sha256: rootDigestOf([{ digest: WEIGHTS }]) } }],
    });
    for (const name of ["w.bin:0", "w.bin:8:0", "w.bin:00:8", "../w:0:8"]) {
      expect((await problemsOf(signed(statement(shards(name)))))[0], name).toMatch(/signed shard/);
    }
  });

  it("rejects bundles that are not what OMS writes", () => {
    interface Doc {
      mediaType?: string;
      verificationMaterial: Record<string, unknown>;
      dsseEnvelope?: { payload: string; signatures: unknown[]; note?: string };
    }
    const good = JSON.parse(signed(statement())) as Doc;
    const envelope = (b: Doc) => b.dsseEnvelope!;
    const variants: [string, (b: Doc) => void, RegExp][] = [
      [
        "two signatures",
        (b) => envelope(b).signatures.push(envelope(b).signatures[0]),
        /exactly one/,
      ],
      [
        "a v0.2 media type",
        (b) => (b.mediaType = "application/vnd.dev.sigstore.bundle+json;version=0.2"),
        /media type/,
      ],
      ["no envelope", (b) => delete b.dsseEnvelope, /no dsseEnvelope/],
      [
        "two signers",
        (b) => (b.verificationMaterial.certificate = { rawBytes: "AAAA" }),
        /more than one signer/,
      ],
      ["sloppy base64", (b) => (envelope(b).payload = `${envelope(b).payload}!`), /not base64/],
      ["an unknown field", (b) => (envelope(b).note = "x"), /field\(s\) note/],
    ];
    for (const [what, change, problem] of variants) {
      const copy = structuredClone(good);
      change(copy);
      expect(() => parseBundle(JSON.stringify(copy)), what).toThrow(problem);
    }
    expect(() => parseBundle("")).toThrow(/not JSON/);
  });

  it("rejects another payload type even when signed", async () => {
    const payload = Buffer.from(JSON.stringify(statement(), null, 2));
    const sig = sign("sha256", pae(payload, "text/plain"), {
      key: key.privateKey,
      dsaEncoding: "der",
    });
    const bundle = JSON.parse(
      buildBundle(payload, sig, { kind: "key", hint: keyHintOf(key.publicKey) }),
    );
    bundle.dsseEnvelope.payloadType = "text/plain";
    expect(await problemsOf(JSON.stringify(bundle))).toEqual([
      'the envelope\'s payload type is "text/plain", not application/vnd.in-toto+json',
    ]);
  });

  it("accepts the v0.2.0 DSSE encoding only for the v0.2.0 predicate", async () => {
    const legacy = {
      _type: "https://in-toto.io/Statement/v1",
      subject: [
        {
          name: "w.bin",
          digest: { sha256: WEIGHTS },
          annotations: { actual_hash_algorithm: "file-sha256" },
        },
      ],
      predicateType: "https://model_signing/Digests/v0.1",
      predicate: { unused: "Unused, just passed due to API requirements" },
    };
    const bundleWith = (doc: unknown): string => {
      const payload = Buffer.from(JSON.stringify(doc, null, 2));
      const sig = sign("sha256", legacyPae(payload), { key: key.privateKey, dsaEncoding: "der" });
      return buildBundle(payload, sig, { kind: "key", hint: keyHintOf(key.publicKey) });
    };
    expect(await problemsOf(bundleWith(legacy))).toEqual([]);
    expect((await problemsOf(bundleWith(statement())))[0]).toMatch(
      /does not verify with the key given/,
    );
  });
});
