/**
 * Sign → verify round trips on generated models: every curve the format allows, whole files and
 * shards, key and certificate mode, and the file statuses after each kind of change.
 */
import { createHash, createPublicKey, randomBytes, X509Certificate } from "node:crypto";
import { readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isRampartError } from "../../core/index.js";
import { NothingToSignError, signModel, verifyModel } from "./index.js";
import {
  type Curve,
  copyWritable,
  ecKeyPair,
  flipByte,
  GOLDEN,
  GOLDEN_KEYS,
  HAS_INTEROP,
  INTEROP,
  PKI,
  readText,
  tempDir,
  writeTree,
} from "./testing/fixtures.js";

const ABSENT = HAS_INTEROP ? "" : ` (SKIPPED: ${INTEROP} is absent)`;
const MiB = 1024 * 1024;

let dir = "";
let model = "";
beforeEach(() => {
  dir = tempDir();
  model = join(dir, "fraud-model");
  writeTree(model, {
    // Crosses the 1 MiB read chunk and, in shard mode, several shard boundaries.
    "weights/model.bin": randomBytes(3 * MiB + 17),
    "weights/head.bin": randomBytes(5000),
    "config.json": '{"layers": 4}',
    "tokenizer/vocab.txt": "a\nb\nc\n",
    "empty.txt": "",
    // Ordered as Python orders paths: "a/b" (component "a") before "a.b".
    "a/b": "1",
    "a.b": "2",
    ".git/HEAD": "ref: refs/heads/main\n",
  });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return isRampartError(error)
      ? { code: error.code, message: error.message }
      : { message: String(error) };
  }
  throw new Error("expected a rejection");
}

function payloadOf(signaturePath: string) {
  const bundle = JSON.parse(readFileSync(signaturePath, "utf8"));
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
}

const CURVES: Curve[] = ["P-256", "P-384", "P-521"];
const METHODS = [
  { method: "files", shardSize: undefined },
  { method: "shards", shardSize: MiB + 7 },
] as const;

describe.each(CURVES)("key %s", (curve) => {
  describe.each(METHODS)("$method", ({ method, shardSize }) => {
    it("signs, verifies, and names every changed, missing and added file", async () => {
      const { privatePem, publicPem } = ecKeyPair(curve);
      const signaturePath = join(model, "model.sig");
      const signed = await signModel(model, {
        privateKeyPem: privatePem,
        signaturePath,
        ...(shardSize === undefined ? {} : { shardSize }),
      });
      expect(signed.files).toBe(7); // .git and model.sig left out
      expect(signed.rootDigest).toMatch(/^sha256:[0-9a-f]{64}$/);

      const bundle = JSON.parse(readFileSync(signaturePath, "utf8"));
      const hint = createHash("sha256").update(publicPem).digest("hex");
      expect(bundle.verificationMaterial).toEqual({ publicKey: { hint }, tlogEntries: [] });
      expect(bundle.dsseEnvelope.signatures[0].keyid).toBe("");
      expect(Buffer.from(bundle.dsseEnvelope.signatures[0].sig, "base64")[0]).toBe(0x30); // DER
      const payload = payloadOf(signaturePath);
      expect(payload.subject).toEqual([
        { name: "fraud-model", digest: { sha256: signed.rootDigest.slice(7) } },
      ]);
      const names = payload.predicate.resources.map((r: { name: string }) => r.name);
      const files = [
        ...new Set(names.map((n: string) => (method === "shards" ? n.split(":")[0] : n))),
      ];
      expect(files).toEqual(
        method === "shards"
          ? [
              "a/b",
              "a.b",
              "config.json",
              "tokenizer/vocab.txt",
              "weights/head.bin",
              "weights/model.bin",
            ]
          : [
              "a/b",
              "a.b",
              "config.json",
              "empty.txt",
              "tokenizer/vocab.txt",
              "weights/head.bin",
              "weights/model.bin",
            ],
      );
      if (method === "shards") {
        expect(names.filter((n: string) => n.startsWith("weights/model.bin:"))).toEqual([
          `weights/model.bin:0:${MiB + 7}`,
          `weights/model.bin:${MiB + 7}:${2 * (MiB + 7)}`,
          `weights/model.bin:${2 * (MiB + 7)}:${3 * MiB + 17}`,
        ]);
        expect(payload.predicate.serialization).toMatchObject({
          method: "shards",
          shard_size: shardSize,
        });
      } else {
        const whole = createHash("sha256").update(readFileSync(join(model, "weights/model.bin")));
        expect(payload.predicate.resources.at(-1)).toEqual({
          algorithm: "sha256",
          digest: whole.digest("hex"),
          name: "weights/model.bin",
        });
      }
      expect(payload.predicate.serialization.ignore_paths).toEqual([
        ".git",
        ".gitattributes",
        ".github",
        ".gitignore",
        "model.sig",
      ]);

      const ok = await verifyModel(model, { signaturePath, publicKeyPem: publicPem });
      expect(ok.problems).toEqual([]);
      expect(ok.verified).toBe(true);
      expect(ok.rootDigest).toBe(signed.rootDigest);
      const der = createPublicKey(publicPem).export({ format: "der", type: "spki" });
      expect(ok.signer).toEqual({
        kind: "key",
        keyId: createHash("sha256").update(der).digest("hex"),
      });
      expect(ok.files.map((f) => f.name)).toEqual([
        "a/b",
        "a.b",
        "config.json",
        "empty.txt",
        "tokenizer/vocab.txt",
        "weights/head.bin",
        "weights/model.bin",
      ]);
      expect(ok.files.every((f) => f.status === "ok")).toBe(true);

      flipByte(join(model, "weights/model.bin"), 2 * MiB + 3);
      unlinkSync(join(model, "tokenizer/vocab.txt"));
      writeFileSync(join(model, "notes.md"), "added later");
      const bad = await verifyModel(model, { signaturePath, publicKeyPem: publicPem });
      expect(bad.verified).toBe(false);
      expect(bad.files.filter((f) => f.status !== "ok")).toEqual([
        { name: "notes.md", status: "extra" },
        { name: "tokenizer/vocab.txt", status: "missing" },
        { name: "weights/model.bin", status: "changed" },
      ]);
      expect(bad.problems).toEqual([
        "file notes.md is not in the signature (it was added after signing?)",
        "file tokenizer/vocab.txt is missing (it was signed)",
        "file weights/model.bin changed since it was signed",
      ]);

      const wrong = await verifyModel(model, {
        signaturePath,
        publicKeyPem: ecKeyPair(curve).publicPem,
      });
      expect(wrong.files).toEqual([]);
      expect(wrong.problems).toEqual([
        expect.stringMatching(/^the signature was made by key [0-9a-f]{16}…, not the key given/),
      ]);
    });
  });
});

describe("single-file model", () => {
  it("is one resource named `.`, verified as the file", async () => {
    const file = join(model, "weights/model.bin");
    const { privatePem, publicPem } = ecKeyPair("P-256");
    const signaturePath = `${file}.sig`;
    await signModel(file, { privateKeyPem: privatePem, signaturePath });
    const payload = payloadOf(signaturePath);
    expect(payload.subject[0].name).toBe("model.bin");
    expect(payload.predicate.resources.map((r: { name: string }) => r.name)).toEqual(["."]);
    expect(payload.predicate.serialization.ignore_paths).toBeUndefined();
    const ok = await verifyModel(file, { signaturePath, publicKeyPem: publicPem });
    expect(ok).toMatchObject({ verified: true, files: [{ name: ".", status: "ok" }] });

    const asFolder = await verifyModel(model, { signaturePath, publicKeyPem: publicPem });
    expect(asFolder.problems[0]).toMatch(/covers a single-file model, but .* is a folder/);

    flipByte(file, 10);
    const bad = await verifyModel(file, { signaturePath, publicKeyPem: publicPem });
    expect(bad.files).toEqual([{ name: ".", status: "changed" }]);
    expect(bad.problems).toEqual(["file model.bin changed since it was signed"]);
  });
});

describe("ignored paths", () => {
  it("are left out when signing, recorded, and honoured when verifying", async () => {
    const { privatePem, publicPem } = ecKeyPair("P-256");
    const signaturePath = join(dir, "fraud.sig"); // outside the model: not recorded
    await signModel(model, {
      privateKeyPem: privatePem,
      signaturePath,
      ignorePaths: ["tokenizer", "./a.b"],
    });
    const payload = payloadOf(signaturePath);
    expect(payload.predicate.serialization.ignore_paths).toEqual([
      ".git",
      ".gitattributes",
      ".github",
      ".gitignore",
      "a.b",
      "tokenizer",
    ]);
    // Unsigned files under a recorded ignore path are not "extra".
    writeFileSync(join(model, "tokenizer/merges.txt"), "x y");
    writeFileSync(join(model, ".git/index"), "");
    const ok = await verifyModel(model, { signaturePath, publicKeyPem: publicPem });
    expect(ok.problems).toEqual([]);
    // Ignoring at verification time lists fewer unsigned files, never fewer signed ones.
    writeFileSync(join(model, "scratch.tmp"), "");
    flipByte(join(model, "config.json"));
    const result = await verifyModel(model, {
      signaturePath,
      publicKeyPem: publicPem,
      ignorePaths: ["scratch.tmp", "config.json"],
    });
    expect(result.problems).toEqual(["file config.json changed since it was signed"]);
  });
});

describe("certificate mode", () => {
  const leafKey = () => readText(join(PKI, "leaf-key.pem"));
  const root = () => readText(join(PKI, "root.pem"));

  async function signWith(certificate: string): Promise<string> {
    const signaturePath = join(model, "model.sig");
    await signModel(model, {
      privateKeyPem: leafKey(),
      signaturePath,
      certificateChainPems: [readText(join(PKI, certificate))],
    });
    return signaturePath;
  }

  it("embeds the chain and verifies it against the root", async () => {
    const signaturePath = await signWith("leaf.pem");
    const bundle = JSON.parse(readFileSync(signaturePath, "utf8"));
    const leaf = new X509Certificate(readText(join(PKI, "leaf.pem")));
    expect(bundle.verificationMaterial).toEqual({
      x509CertificateChain: { certificates: [{ rawBytes: leaf.raw.toString("base64") }] },
      tlogEntries: [],
    });
    const ok = await verifyModel(model, { signaturePath, certificateChainPems: [root()] });
    expect(ok.problems).toEqual([]);
    expect(ok.signer).toMatchObject({
      kind: "certificate",
      identity: "signer@example.com",
      issuer: "CN=rampart-test-root",
    });
    const other = await verifyModel(model, {
      signaturePath,
      certificateChainPems: [readText(join(PKI, "other-root.pem"))],
    });
    expect(other.problems).toEqual([
      "the certificate chain of CN=rampart-test-signer does not lead to the given root",
    ]);
  });

  it.each([
    [
      "leaf-expired.pem",
      /^the signing certificate CN=rampart-test-signer expired on 2001-01-01T00:00:00.000Z$/,
    ],
    ["leaf-no-sign.pem", /is not allowed to sign: its key usage lacks digitalSignature/],
    [
      "leaf-critical.pem",
      /has a critical extension 1\.3\.6\.1\.4\.1\.99999\.1 that Rampart does not understand/,
    ],
  ])("refuses %s", async (certificate, problem) => {
    const signaturePath = await signWith(certificate);
    const result = await verifyModel(model, { signaturePath, certificateChainPems: [root()] });
    expect(result.verified).toBe(false);
    expect(result.problems[0]).toMatch(problem);
  });

  it("refuses to sign with a certificate of another key", async () => {
    const error = await rejection(
      signModel(model, {
        privateKeyPem: ecKeyPair("P-256").privatePem,
        signaturePath: join(model, "model.sig"),
        certificateChainPems: [readText(join(PKI, "leaf.pem"))],
      }),
    );
    expect(error).toMatchObject({
      code: "E_KEY",
      message: expect.stringMatching(/not for the signing key/),
    });
  });

  it.skipIf(!HAS_INTEROP)(
    `signs the golden model as model_signing v1.1 does, with its test PKI${ABSENT}`,
    async () => {
      const golden = join(GOLDEN, "v1.1.0-certificate");
      const copy = join(dir, "v1.1.0-certificate");
      copyWritable(golden, copy);
      const signaturePath = join(copy, "model.sig");
      renameSync(signaturePath, join(dir, "reference.sig"));
      await signModel(copy, {
        privateKeyPem: readText(join(GOLDEN_KEYS, "signing-key.pem")),
        signaturePath,
        ignorePaths: ["ignore-me"],
        certificateChainPems: [
          readText(join(GOLDEN_KEYS, "signing-key-cert.pem")),
          readText(join(GOLDEN_KEYS, "int-ca-cert.pem")),
        ],
      });
      const ours = JSON.parse(readFileSync(signaturePath, "utf8"));
      const theirs = JSON.parse(readFileSync(join(dir, "reference.sig"), "utf8"));
      // Same layout and material; the statement is the same up to the ignore_paths order
      // (a Python set in the reference) and the ECDSA signature (randomised).
      expect(Object.keys(ours)).toEqual(Object.keys(theirs));
      expect(ours.verificationMaterial).toEqual(theirs.verificationMaterial);
      const a = payloadOf(signaturePath);
      const b = payloadOf(join(dir, "reference.sig"));
      a.predicate.serialization.ignore_paths.sort();
      b.predicate.serialization.ignore_paths.sort();
      expect(a).toEqual(b);
      const ok = await verifyModel(copy, {
        signaturePath,
        certificateChainPems: [readText(join(GOLDEN_KEYS, "ca-cert.pem"))],
      });
      expect(ok.problems).toEqual([]);
    },
  );

  it.skipIf(!HAS_INTEROP)(
    `signs the golden model with its key as model_signing v1.1 does${ABSENT}`,
    async () => {
      const copy = join(dir, "v1.1.0-elliptic-key");
      copyWritable(join(GOLDEN, "v1.1.0-elliptic-key"), copy);
      const signaturePath = join(dir, "ours.sig");
      await signModel(copy, {
        privateKeyPem: readText(join(GOLDEN_KEYS, "signing-key.pem")),
        signaturePath,
        ignorePaths: ["ignore-me", "model.sig"],
      });
      const ours = JSON.parse(readFileSync(signaturePath, "utf8"));
      const theirs = JSON.parse(readFileSync(join(copy, "model.sig"), "utf8"));
      expect(ours.verificationMaterial).toEqual(theirs.verificationMaterial); // same key hint
      const a = payloadOf(signaturePath);
      const b = payloadOf(join(copy, "model.sig"));
      a.predicate.serialization.ignore_paths.sort();
      b.predicate.serialization.ignore_paths.sort();
      expect(a).toEqual(b);
    },
  );
});

describe("refusals", () => {
  it("a folder with nothing to sign", async () => {
    const empty = join(dir, "empty");
    writeTree(empty, { ".git/HEAD": "x" });
    const error = await signModel(empty, {
      privateKeyPem: ecKeyPair("P-256").privatePem,
      signaturePath: join(dir, "e.sig"),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NothingToSignError);
  });

  it("symbolic links, keys on other curves, and bad verification options", async () => {
    const { privatePem, publicPem } = ecKeyPair("P-256");
    symlinkSync(join(model, "config.json"), join(model, "link.json"));
    expect(
      await rejection(
        signModel(model, { privateKeyPem: privatePem, signaturePath: join(dir, "s") }),
      ),
    ).toMatchObject({
      code: "E_USAGE",
      message: expect.stringMatching(/link\.json .* is a symbolic link/),
    });
    unlinkSync(join(model, "link.json"));

    const { generateKeyPairSync } = await import("node:crypto");
    const ed = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" });
    const k1 = generateKeyPairSync("ec", { namedCurve: "secp256k1" }).privateKey.export({
      format: "pem",
      type: "pkcs8",
    });
    for (const pem of [ed, k1, "not a key"]) {
      const error = await rejection(
        signModel(model, { privateKeyPem: String(pem), signaturePath: join(dir, "s") }),
      );
      expect(error.code).toBe("E_KEY");
    }

    const signaturePath = join(dir, "ok.sig");
    await signModel(model, { privateKeyPem: privatePem, signaturePath });
    const cases = [{}, { publicKeyPem: publicPem, identity: "a", issuer: "b" }, { identity: "a" }];
    for (const trust of cases) {
      expect(await rejection(verifyModel(model, { signaturePath, ...trust }))).toMatchObject({
        code: "E_USAGE",
      });
    }
    expect(
      await rejection(
        verifyModel(model, { signaturePath: join(dir, "nope.sig"), publicKeyPem: publicPem }),
      ),
    ).toMatchObject({ code: "E_USAGE", message: expect.stringMatching(/no readable signature/) });
    expect(
      await rejection(verifyModel(join(dir, "nope"), { signaturePath, publicKeyPem: publicPem })),
    ).toMatchObject({ code: "E_USAGE", message: expect.stringMatching(/there is no model/) });

    // A symbolic link appearing in a model signed without them is reported, not followed.
    unlinkSync(join(model, "config.json"));
    symlinkSync("/etc/hostname", join(model, "config.json"));
    const linked = await verifyModel(model, { signaturePath, publicKeyPem: publicPem });
    expect(linked.problems).toEqual([
      "file config.json is now a symbolic link, which the signature does not allow",
    ]);
  });
});
