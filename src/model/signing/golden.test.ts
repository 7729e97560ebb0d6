/**
 * Interoperability with the reference `model_signing`: every bundle it wrote at v0.2.0, v0.3.1,
 * v1.0.0 and v1.1.0 (../shared/interop/model-signing/golden) verifies with the material its
 * README names, and a tampered copy of each (one byte, swapped payload, wrong trust) does not.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { verifyModel } from "./index.js";
import {
  copyWritable,
  ecKeyPair,
  flipByte,
  GOLDEN,
  GOLDEN_KEYS,
  HAS_INTEROP,
  INTEROP,
  KEYLESS_IDENTITY,
  KEYLESS_ISSUER,
  PKI,
  readText,
  tempDir,
} from "./testing/fixtures.js";
import type { VerifyOptions } from "./types.js";

const ABSENT = HAS_INTEROP ? "" : ` (SKIPPED: ${INTEROP} is absent)`;
const CASES = HAS_INTEROP ? readdirSync(GOLDEN).filter((d) => d !== "keys") : [];

type Mode = "elliptic-key" | "certificate" | "sigstore";

function modeOf(name: string): Mode {
  const mode = name.slice(name.indexOf("-") + 1);
  if (mode !== "elliptic-key" && mode !== "certificate" && mode !== "sigstore") {
    throw new Error(`unknown golden case ${name}`);
  }
  return mode;
}

interface Payload {
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: string;
  predicate: { resources?: { name: string; digest: string }[] };
}

function payloadOf(signaturePath: string): Payload {
  const bundle = JSON.parse(readFileSync(signaturePath, "utf8")) as {
    dsseEnvelope: { payload: string };
  };
  return JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString("utf8"));
}

/** A single-file model was signed as the file its subject names (resource `.`). */
function modelPathFor(dir: string, signaturePath: string): string {
  const payload = payloadOf(signaturePath);
  const single = payload.predicate.resources?.some((r) => r.name === ".") === true;
  return single ? join(dir, payload.subject[0]?.name ?? "") : dir;
}

function trustFor(mode: Mode): Partial<VerifyOptions> {
  if (mode === "elliptic-key") {
    return { publicKeyPem: readText(join(GOLDEN_KEYS, "signing-key-pub.pem")) };
  }
  if (mode === "certificate") {
    return { certificateChainPems: [readText(join(GOLDEN_KEYS, "ca-cert.pem"))] };
  }
  return { identity: KEYLESS_IDENTITY, issuer: KEYLESS_ISSUER };
}

function verify(model: string, signaturePath: string, trust: Partial<VerifyOptions>) {
  return verifyModel(model, { signaturePath, ignorePaths: ["ignore-me"], ...trust });
}

it.skipIf(!HAS_INTEROP)(`finds the ten golden signatures${ABSENT}`, () => {
  expect(CASES.sort()).toEqual([
    "v0.2.0-certificate",
    "v0.3.1-certificate",
    "v0.3.1-elliptic-key",
    "v0.3.1-sigstore",
    "v1.0.0-certificate",
    "v1.0.0-elliptic-key",
    "v1.0.0-sigstore",
    "v1.1.0-certificate",
    "v1.1.0-elliptic-key",
    "v1.1.0-sigstore",
  ]);
});

describe.each(CASES)("golden %s", (name) => {
  const dir = join(GOLDEN, name);
  const signaturePath = join(dir, "model.sig");
  const mode = modeOf(name);
  let scratch: string | undefined;
  afterEach(() => {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
  });

  /** A writable copy of the golden folder, and the model path inside it. */
  function copy(): { folder: string; model: string; signature: string } {
    scratch = tempDir();
    const folder = join(scratch, name);
    copyWritable(dir, folder);
    const signature = join(folder, "model.sig");
    return { folder, model: modelPathFor(folder, signature), signature };
  }

  it("verifies with the key, root or identity its README names", async () => {
    const result = await verify(modelPathFor(dir, signaturePath), signaturePath, trustFor(mode));
    expect(result.problems).toEqual([]);
    expect(result.verified).toBe(true);
    expect(result.files.length).toBeGreaterThan(0);
    expect(result.files.every((f) => f.status === "ok")).toBe(true);
    expect(result.signer?.kind).toBe(
      mode === "elliptic-key" ? "key" : mode === "certificate" ? "certificate" : "sigstore",
    );
    const payload = payloadOf(signaturePath);
    expect(result.predicateType).toBe(payload.predicateType);
    if (payload.predicateType === "https://model_signing/Digests/v0.1") {
      expect(result.rootDigest).toBeUndefined();
    } else {
      expect(result.rootDigest).toBe(`sha256:${payload.subject[0]?.digest.sha256}`);
    }
    if (mode === "sigstore") {
      expect(result.signer).toMatchObject({ identity: KEYLESS_IDENTITY, issuer: KEYLESS_ISSUER });
    }
  });

  it("reports the file whose byte changed", async () => {
    const { model, signature } = copy();
    const file = model.endsWith("signme-1") ? model : join(model, "signme-1");
    flipByte(file, 3);
    const result = await verify(model, signature, trustFor(mode));
    expect(result.verified).toBe(false);
    const changed = result.files.filter((f) => f.status === "changed").map((f) => f.name);
    expect(changed).toEqual([file === model ? "." : "signme-1"]);
    expect(result.problems).toEqual(["file signme-1 changed since it was signed"]);
  });

  it("reports a missing and an added file", async () => {
    const { folder, model, signature } = copy();
    if (model !== folder) return; // single-file model: nothing else to delete
    unlinkSync(join(folder, "signme-2"));
    writeFileSync(join(folder, "added.bin"), "new");
    const result = await verify(model, signature, trustFor(mode));
    expect(result.verified).toBe(false);
    expect(result.files).toEqual([
      { name: "added.bin", status: "extra" },
      { name: "signme-1", status: "ok" },
      { name: "signme-2", status: "missing" },
    ]);
    expect(result.problems).toEqual([
      "file added.bin is not in the signature (it was added after signing?)",
      "file signme-2 is missing (it was signed)",
    ]);
    const lenient = await verifyModel(model, {
      signaturePath: signature,
      ignorePaths: ["ignore-me"],
      ignoreUnsignedFiles: true,
      ...trustFor(mode),
    });
    expect(lenient.problems).toEqual(["file signme-2 is missing (it was signed)"]);
  });

  it("rejects a payload swapped for one matching a tampered model", async () => {
    const { model, signature } = copy();
    const file = model.endsWith("signme-1") ? model : join(model, "signme-1");
    flipByte(file, 0);
    const newDigest = createHash("sha256").update(readFileSync(file)).digest("hex");
    // The attacker rewrites the statement consistently (resource and root digest) but cannot
    // re-sign it.
    const bundle = JSON.parse(readFileSync(signature, "utf8"));
    const payload = payloadOf(signature);
    const digests: string[] = [];
    if (payload.predicate.resources !== undefined) {
      for (const r of payload.predicate.resources) {
        if (r.name === "signme-1" || r.name === ".") r.digest = newDigest;
        digests.push(r.digest);
      }
      const root = createHash("sha256");
      for (const d of digests) root.update(Buffer.from(d, "hex"));
      payload.subject[0]!.digest.sha256 = root.digest("hex");
    } else {
      for (const s of payload.subject) if (s.name === "signme-1") s.digest.sha256 = newDigest;
    }
    bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(payload, null, 2)).toString("base64");
    writeFileSync(signature, JSON.stringify(bundle));
    const result = await verify(model, signature, trustFor(mode));
    expect(result.verified).toBe(false);
    expect(result.files).toEqual([]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatch(
      mode === "sigstore"
        ? /does not verify offline against Sigstore's public-good trusted root/
        : /does not verify with .*altered, or another key signed it/,
    );
  });

  it("rejects the wrong key, root or identity", async () => {
    const model = modelPathFor(dir, signaturePath);
    if (mode === "elliptic-key") {
      const result = await verify(model, signaturePath, {
        publicKeyPem: ecKeyPair("P-384").publicPem,
      });
      expect(result.verified).toBe(false);
      expect(result.problems[0]).toMatch(
        /^the signature was made by key [0-9a-f]{16}…, not the key given \([0-9a-f]{16}…\)$/,
      );
    } else if (mode === "certificate") {
      const result = await verify(model, signaturePath, {
        certificateChainPems: [readText(join(PKI, "other-root.pem"))],
      });
      expect(result.verified).toBe(false);
      expect(result.problems[0]).toMatch(
        /certificate chain of CN=intermediate-ca does not lead to the given root/,
      );
      // The intermediate alone, trusted explicitly, is enough (it is what the user pinned).
      const pinned = await verify(model, signaturePath, {
        certificateChainPems: [readText(join(GOLDEN_KEYS, "int-ca-cert.pem"))],
      });
      expect(pinned.verified).toBe(true);
    } else {
      const result = await verify(model, signaturePath, {
        identity: "mallory@example.com",
        issuer: KEYLESS_ISSUER,
      });
      expect(result.verified).toBe(false);
      expect(result.problems).toEqual([
        `the signature was made by ${KEYLESS_IDENTITY} (issuer ${KEYLESS_ISSUER}), not by mallory@example.com (issuer ${KEYLESS_ISSUER})`,
      ]);
      const issuer = await verify(model, signaturePath, {
        identity: KEYLESS_IDENTITY,
        issuer: "https://accounts.google.com",
      });
      expect(issuer.verified).toBe(false);
    }
  });

  it("names the right way to verify when asked the wrong way", async () => {
    const other: Mode = mode === "elliptic-key" ? "certificate" : "elliptic-key";
    const result = await verify(modelPathFor(dir, signaturePath), signaturePath, trustFor(other));
    expect(result.verified).toBe(false);
    expect(result.problems[0]).toMatch(
      mode === "elliptic-key"
        ? /signed with a bare key: verify it with that public key/
        : mode === "certificate"
          ? /signed with a certificate: verify it with the issuing root/
          : /signed keylessly with Sigstore/,
    );
    expect(basename(dir)).toBe(name);
  });
});
