/** `rampart model sign` / `rampart model verify`, run as a user runs them (a child process). */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { json, rampart } from "../../../test/cli.js";
import {
  ecKeyPair,
  flipByte,
  GOLDEN,
  GOLDEN_KEYS,
  HAS_INTEROP,
  INTEROP,
  KEYLESS_IDENTITY,
  KEYLESS_ISSUER,
  tempDir,
  writeTree,
} from "./testing/fixtures.js";

const ABSENT = HAS_INTEROP ? "" : ` (SKIPPED: ${INTEROP} is absent)`;

describe("rampart model sign / verify", () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir("rampart-cli-sign-");
    writeTree(dir, {
      "model/weights/a.bin": "weights a",
      "model/weights/b.bin": "weights b",
      "model/config.json": "{}",
    });
    const { privatePem, publicPem } = ecKeyPair("P-384");
    writeFileSync(join(dir, "key.pem"), privatePem);
    writeFileSync(join(dir, "key.pub"), publicPem);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("sign → verify passes; one changed byte → exit 1, a table naming the file, a finding", () => {
    const sign = rampart(dir, ["model", "sign", "model", "--key", "key.pem"]);
    expect(sign.stderr).toBe("");
    expect(sign.code).toBe(0);
    expect(sign.stdout).toMatch(
      /^signed model: 3 file\(s\), root digest sha256:[0-9a-f]{64}, signature written to .*model\/model\.sig$/m,
    );

    const ok = rampart(dir, ["model", "verify", "model", "--public-key", "key.pub"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /^STATUS\s+FILE\nok\s+config\.json\nok\s+weights\/a\.bin\nok\s+weights\/b\.bin$/m,
    );
    expect(ok.stdout).toMatch(/✓ model verified: 3 file\(s\) match the signature/);

    flipByte(join(dir, "model/weights/a.bin"));
    writeFileSync(join(dir, "model/new.txt"), "later");
    const bad = rampart(dir, ["model", "verify", "model", "--public-key", "key.pub"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^changed\s+weights\/a\.bin$/m);
    expect(bad.stdout).toMatch(/^extra\s+new\.txt$/m);
    expect(bad.stdout).toMatch(/ {2}- file weights\/a\.bin changed since it was signed/);

    const doc = json(
      rampart(dir, ["--json", "model", "verify", "model", "--public-key", "key.pub"]),
    );
    expect(doc).toMatchObject({
      schema: "rampart/model-verify@1",
      ok: false,
      verified: false,
      files: [
        { name: "config.json", status: "ok" },
        { name: "new.txt", status: "extra" },
        { name: "weights/a.bin", status: "changed" },
        { name: "weights/b.bin", status: "ok" },
      ],
      signer: { kind: "key", keyId: expect.stringMatching(/^[0-9a-f]{64}$/) },
      root_digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    const findings = doc.findings as {
      detector: string;
      severity: string;
      asset: unknown;
      threats: { id: string }[];
    }[];
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      detector: "model.verify",
      severity: "critical",
      asset: { kind: "model", id: "model" },
    });
    expect(findings[0]?.threats.map((t) => t.id)).toEqual(["AML.T0010.003", "AML.T0018", "ML06"]);

    const lenient = rampart(dir, [
      "--json",
      "model",
      "verify",
      "model",
      "--public-key",
      "key.pub",
      "--ignore-unsigned-files",
      "--ignore-paths",
      "weights/a.bin",
    ]);
    // Ignoring never hides a signed file: a.bin is still checked.
    expect(lenient.code).toBe(1);
    expect(json(lenient).problems).toEqual(["file weights/a.bin changed since it was signed"]);
  });

  it("shards, a custom signature path, and ignored paths", () => {
    writeFileSync(join(dir, "model/notes.md"), "not part of the model");
    const sign = rampart(dir, [
      "--json",
      "model",
      "sign",
      "model",
      "--key",
      "key.pem",
      "--signature",
      "out.sig",
      "--shard-size",
      "4",
      "--ignore-paths",
      "notes.md",
    ]);
    expect(sign.code).toBe(0);
    expect(json(sign)).toMatchObject({ schema: "rampart/model-sign@1", ok: true, files: 3 });
    const ok = rampart(dir, [
      "model",
      "verify",
      "model",
      "--signature",
      "out.sig",
      "--public-key",
      "key.pub",
    ]);
    expect(ok.code).toBe(0);
  });

  it("usage mistakes: exit 2 with a hint, never a stack trace; nothing to sign: exit 4", () => {
    expect(rampart(dir, ["model", "sign", "model", "--key", "key.pem"]).code).toBe(0);
    const cases: [string[], RegExp][] = [
      [["model", "sign", "model"], /no signing key given\nhint: pass --key/],
      [
        ["model", "sign", "model", "--key", "nope.pem"],
        /cannot read the signing key file nope\.pem\nhint:/,
      ],
      [
        ["model", "sign", "model", "--key", "key.pub"],
        /not a readable, unencrypted PEM private key\nhint:/,
      ],
      [
        ["model", "sign", "model", "--key", "key.pem", "--shard-size", "1e3"],
        /--shard-size "1e3" is not a whole number of bytes\nhint:/,
      ],
      [["model", "sign", "nowhere", "--key", "key.pem"], /there is no model at nowhere\nhint:/],
      [
        ["model", "verify", "model"],
        /nothing to verify the signature with\nhint: give exactly one of/,
      ],
      [
        [
          "model",
          "verify",
          "model",
          "--public-key",
          "key.pub",
          "--identity",
          "a@b",
          "--issuer",
          "https://x",
        ],
        /--public-key and --identity\/--issuer cannot be combined\nhint:/,
      ],
      [
        ["model", "verify", "model", "--identity", "a@b"],
        /needs both --identity and --issuer\nhint:/,
      ],
      [
        ["model", "verify", "model", "--signature", "none.sig", "--public-key", "key.pub"],
        /no readable signature at .*none\.sig\nhint:/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = rampart(dir, args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(message);
      expect(run.stderr, args.join(" ")).not.toMatch(/\n\s+at /);
    }
    writeTree(dir, { "empty/.git/HEAD": "x" });
    const nothing = rampart(dir, ["model", "sign", "empty", "--key", "key.pem"]);
    expect(nothing.code).toBe(4);
    expect(nothing.stderr).toMatch(/holds no file to sign/);
  });

  it.skipIf(!HAS_INTEROP)(`verifies the reference's v1.1.0 golden signatures${ABSENT}`, () => {
    const keyed = rampart(dir, [
      "model",
      "verify",
      join(GOLDEN, "v1.1.0-elliptic-key"),
      "--public-key",
      join(GOLDEN_KEYS, "signing-key-pub.pem"),
    ]);
    expect(keyed.code).toBe(0);
    const chained = rampart(dir, [
      "model",
      "verify",
      join(GOLDEN, "v1.1.0-certificate"),
      "--certificate-chain",
      join(GOLDEN_KEYS, "ca-cert.pem"),
    ]);
    expect(chained.code).toBe(0);
    expect(chained.stdout).toMatch(/signer: certificate CN=intermediate-ca/);
    const keyless = rampart(dir, [
      "--json",
      "model",
      "verify",
      join(GOLDEN, "v1.1.0-sigstore"),
      "--identity",
      KEYLESS_IDENTITY,
      "--issuer",
      KEYLESS_ISSUER,
    ]);
    expect(keyless.code).toBe(0);
    expect(json(keyless)).toMatchObject({
      ok: true,
      verified: true,
      signer: { kind: "sigstore", identity: KEYLESS_IDENTITY, issuer: KEYLESS_ISSUER },
    });
  });
});
