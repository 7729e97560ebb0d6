import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { json, rampart as runCli } from "../../../../test/cli.js";
import {
  makeMaliciousFolder,
  makeModelFolder,
  makeSigningKey,
  type SigningKey,
  sign,
} from "../../../model/registry/testing.js";

/** The CLI with a fixed actor, so ledger entries can be asserted. */
const rampart = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  runCli(cwd, args, { RAMPART_ACTOR: "ci-bot", ...env });

/** rampart.yaml with the defaults, and a models section. */
function writeConfig(dir: string, models: string): void {
  writeFileSync(join(dir, "rampart.yaml"), `version: 1\nmodels:\n${models}`);
}

const rulesOf = (doc: Record<string, unknown>) =>
  (doc.findings as { evidence: { rule: string } }[]).map((f) => f.evidence.rule).sort();

describe("rampart model registry verbs", () => {
  let dir: string;
  let key: SigningKey;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "rampart-model-cli-"));
    expect(rampart(dir, ["init"]).code).toBe(0);
    key = makeSigningKey(join(dir, "keys"), "release");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("register → list → show → promote → promote over it → rollback, all on the ledger", async () => {
    writeConfig(
      dir,
      "  promotion:\n    trusted_keys: [keys/release.pub.pem]\n    require_vetted_datasets: false\n",
    );
    const a = makeModelFolder(join(dir, "fraud-a"));
    const sigA = await sign(a, key);
    writeFileSync(join(dir, "metrics.json"), JSON.stringify({ auc: 0.91, val: { f1: 0.7 } }));
    const first = rampart(dir, [
      "model",
      "register",
      "fraud-a",
      "--name",
      "fraud",
      "--signature",
      sigA,
      "--dataset",
      "tx-2026-11-01",
      "--metrics",
      "metrics.json",
      "--git-commit",
      "0123456789abcdef",
      "--param",
      "lr=0.05",
      "trees=300",
      "--task",
      "classification",
      "--architecture",
      "gbdt",
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/registered fraud@1 \(stage none\)/);
    expect(first.stdout).toMatch(/signed\s+yes, key/);

    const b = makeModelFolder(join(dir, "fraud-b"));
    const second = json(
      rampart(dir, [
        "--json",
        "model",
        "register",
        "fraud-b",
        "--name",
        "fraud",
        "--signature",
        await sign(b, key),
        "--parent",
        "fraud@1",
      ]),
    );
    expect(second).toMatchObject({
      schema: "rampart/model-register@1",
      ok: true,
      registered: true,
      findings: [],
      model: { name: "fraud", version: "2", stage: "none", lineage: { parent: "fraud@1" } },
    });
    expect(
      json(rampart(dir, ["--json", "model", "register", "fraud-b", "--name", "fraud@v3"])),
    ).toMatchObject({ model: { version: "v3" } });

    const table = rampart(dir, ["model", "list"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+VERSION\s+STAGE\s+SIGNED/m);
    expect(table.stdout).toMatch(/^fraud\s+1\s+none\s+yes\s+no\s+clean/m);
    const list = json(rampart(dir, ["--json", "model", "list", "--name", "fraud"]));
    expect((list.models as { version: string }[]).map((m) => m.version)).toEqual(["1", "2", "v3"]);

    const show = json(rampart(dir, ["--json", "model", "show", "fraud@1"]));
    expect(show).toMatchObject({
      schema: "rampart/model-show@1",
      ok: true,
      model: {
        metrics: { auc: 0.91, "val.f1": 0.7 },
        lineage: {
          datasets: ["tx-2026-11-01"],
          gitCommit: "0123456789abcdef",
          parameters: { lr: 0.05, trees: 300 },
        },
        card: { task: "classification", architecture: "gbdt" },
        createdBy: "ci-bot",
      },
    });
    expect((show.model as { signature: { signer: { kind: string } } }).signature.signer.kind).toBe(
      "key",
    );

    expect(rampart(dir, ["model", "promote", "fraud@1", "--to", "staging"]).code).toBe(0);
    const prod = rampart(dir, ["model", "promote", "fraud@1", "--to", "production"]);
    expect(prod.code).toBe(0);
    expect(prod.stdout).toMatch(/fraud@1 promoted: staging → production/);
    expect(prod.stdout).toMatch(/✓ signature\.trusted/);
    expect(rampart(dir, ["model", "promote", "fraud@1", "--to", "production"]).code).toBe(4);
    const over = json(
      rampart(dir, ["--json", "model", "promote", "fraud@2", "--to", "production"]),
    );
    expect(over).toMatchObject({ ok: true, outcome: "promoted", archived: "1", to: "production" });

    const back = rampart(dir, ["model", "rollback", "fraud"]);
    expect(back.code).toBe(0);
    expect(back.stdout).toMatch(/fraud rolled back: 1 is in production again \(2 archived\)/);
    const stages = json(rampart(dir, ["--json", "model", "list"])).models as {
      version: string;
      stage: string;
    }[];
    expect(stages.map((m) => `${m.version}:${m.stage}`)).toEqual([
      "1:production",
      "2:archived",
      "v3:none",
    ]);
    expect(rampart(dir, ["model", "archive", "fraud@v3"]).code).toBe(0);

    const log = json(rampart(dir, ["--json", "audit", "log", "--asset", "model:fraud"]));
    const kinds = (log.entries as { kind: string; actor: string }[]).map((e) => e.kind);
    expect(kinds).toEqual([
      "model.register",
      "model.register",
      "model.register",
      "model.promote",
      "model.promote",
      "model.archive",
      "model.promote",
      "model.rollback",
      "model.archive",
    ]);
    expect((log.entries as { actor: string }[]).every((e) => e.actor === "ci-bot")).toBe(true);
    expect(rampart(dir, ["audit", "verify"]).code).toBe(0);
  });

  it("a promotion is refused with one finding per unmet rule, and exit 1", () => {
    writeConfig(dir, "  promotion:\n    trusted_keys: [keys/release.pub.pem]\n");
    makeMaliciousFolder(join(dir, "evil"));
    const registered = rampart(dir, [
      "--json",
      "model",
      "register",
      "evil",
      "--name",
      "fraud",
      "--dataset",
      "tx-unknown",
    ]);
    // Registered (the record is evidence), but the scan finding is at or above --fail-on.
    expect(registered.code).toBe(1);
    const doc = json(registered);
    expect(doc).toMatchObject({
      ok: false,
      registered: true,
      model: { scan: { maxSeverity: "critical" } },
    });
    expect((doc.findings as { detector: string }[])[0]?.detector).toBe("scan.pickle");

    const refused = rampart(dir, ["--json", "model", "promote", "fraud@1", "--to", "production"]);
    expect(refused.code).toBe(1);
    const result = json(refused);
    expect(result).toMatchObject({ ok: false, outcome: "refused", from: "none", to: "production" });
    expect(rulesOf(result)).toEqual([
      "lineage.vetted_datasets",
      "scan.max_severity",
      "signature.required",
    ]);
    const table = rampart(dir, ["model", "promote", "fraud@1", "--to", "staging"]);
    expect(table.stdout).toMatch(/refused: 3 rule\(s\) unmet/);
    expect(table.stdout).toMatch(
      /✗ lineage\.vetted_datasets\s+dataset snapshot\(s\) not vetted: tx-unknown \(unknown\)/,
    );
    expect(table.stdout).toMatch(/✓ integrity/);
    const stored = json(
      rampart(dir, ["--json", "findings", "list", "--detector", "model.promote"]),
    );
    expect((stored.findings as unknown[]).length).toBe(6); // three rules, for each target stage
    const shown = rampart(dir, ["--json", "model", "show", "fraud@1"]);
    expect(shown.code).toBe(1);
    expect(json(shown).model).toMatchObject({ stage: "none" });
  });

  it("a signature from an untrusted key refuses the registration (exit 1, finding, nothing registered)", async () => {
    writeConfig(dir, "  promotion:\n    trusted_keys: [keys/release.pub.pem]\n");
    const other = makeSigningKey(join(dir, "keys"), "intruder");
    const model = makeModelFolder(join(dir, "m"));
    const run = rampart(dir, [
      "--json",
      "model",
      "register",
      "m",
      "--name",
      "fraud",
      "--signature",
      await sign(model, other),
    ]);
    expect(run.code).toBe(1);
    const doc = json(run);
    expect(doc).toMatchObject({ ok: false, registered: false });
    expect((doc.findings as { detector: string }[])[0]?.detector).toBe("model.register");
    expect(json(rampart(dir, ["--json", "model", "list"])).models).toEqual([]);
  });

  it("tampering after registration: promotion names the broken rule", async () => {
    writeConfig(
      dir,
      "  promotion:\n    trusted_keys: [keys/release.pub.pem]\n    require_vetted_datasets: false\n",
    );
    const model = makeModelFolder(join(dir, "m"));
    const signed = rampart(dir, [
      "--json",
      "model",
      "register",
      "m",
      "--name",
      "fraud",
      "--signature",
      await sign(model, key),
    ]);
    const files = (json(signed).model as { files: { name: string; digest: string }[] }).files;
    const weights = files.find((f) => f.name === "weights.bin")?.digest.slice(7) ?? "";
    const blob = join(dir, ".rampart/blobs/sha256", weights.slice(0, 2), weights);
    const bytes = readFileSync(blob);
    bytes[7] = (bytes[7] as number) ^ 0x20;
    writeFileSync(blob, bytes);
    const refused = rampart(dir, ["--json", "model", "promote", "fraud@1", "--to", "production"]);
    expect(refused.code).toBe(1);
    expect(rulesOf(json(refused))).toEqual(["integrity", "signature.trusted"]);
  });

  it("encryption at rest: E_KEY without RAMPART_KEK_FILE, ciphertext on disk with it", () => {
    writeConfig(
      dir,
      "  encrypt_at_rest: true\n  promotion:\n    require_signature: false\n    require_vetted_datasets: false\n",
    );
    makeModelFolder(join(dir, "m"), "a-recognisable-seed-string");
    const missing = rampart(dir, ["model", "register", "m", "--name", "fraud"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/encrypt_at_rest is on, but no key-encryption key is set/);
    expect(missing.stderr).toMatch(/hint: set RAMPART_KEK_FILE/);

    writeFileSync(join(dir, "kek.hex"), `${randomBytes(32).toString("hex")}\n`);
    const env = { RAMPART_KEK_FILE: join(dir, "kek.hex") };
    const ok = rampart(dir, ["--json", "model", "register", "m", "--name", "fraud"], env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(json(ok).model).toMatchObject({ encrypted: true });
    const blobs = join(dir, ".rampart/blobs/sha256");
    for (const prefix of readdirSync(blobs)) {
      for (const file of readdirSync(join(blobs, prefix))) {
        expect(readFileSync(join(blobs, prefix, file)).includes("a-recognisable-seed-string")).toBe(
          false,
        );
      }
    }
    expect(rampart(dir, ["model", "promote", "fraud@1", "--to", "production"], env).code).toBe(0);
    const keyless = rampart(dir, ["model", "promote", "fraud@1", "--to", "staging"]);
    expect(keyless.code).toBe(2);
  });

  it("usage mistakes exit 2 with a hint, never a stack trace", () => {
    makeModelFolder(join(dir, "m"));
    const cases: [string[], RegExp][] = [
      [["model", "register", "nowhere", "--name", "x"], /does not exist/],
      [["model", "register", "m", "--name", "bad name"], /not a valid model name/],
      [["model", "register", "m", "--name", "x", "--param", "oops"], /not key=value/],
      [["model", "register", "m", "--name", "x", "--git-commit", "HEAD"], /not a commit hash/],
      [["model", "register", "m"], /required option '--name/],
      [["model", "show", "fraud"], /not NAME@VERSION/],
      [["model", "show", "fraud@1"], /no model fraud@1 is registered/],
      [["model", "promote", "fraud@1", "--to", "prod"], /not a stage/],
      [["model", "rollback", "fraud"], /no production version/],
    ];
    for (const [args, message] of cases) {
      const run = rampart(dir, args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

/**
 * `verify --all` as an action: `rampart model verify` is the signing verbs' command, which
 * delegates `--all` to `verifyRegistryAction`. Here the registry verbs run on their own, in
 * process, so the action is tested whoever owns the verb.
 */
describe("rampart model verify --all", () => {
  const ENV = ["RAMPART_DATABASE_URL", "RAMPART_LEDGER_KEY_FILE", "RAMPART_KEK_FILE"] as const;
  let dir: string;
  let saved: Record<string, string | undefined>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "rampart-model-verify-"));
    expect(rampart(dir, ["init"]).code).toBe(0);
    // In process, the project reads the environment: keep the caller's settings out of it.
    saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
    for (const k of ENV) delete process.env[k];
  });
  afterEach(() => {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    rmSync(dir, { recursive: true, force: true });
  });

  // Through the real CLI: `model verify --all` is a mode of the signing verbs' `verify`.
  async function verifyAll(args: string[]): Promise<{ code: number; stdout: string }> {
    const run = rampart(dir, args);
    return { code: run.code ?? -1, stdout: run.stdout };
  }

  it("passes when intact, fails naming the tampered version (exit 1), 4 when empty", async () => {
    expect((await verifyAll(["model", "verify", "--all"])).code).toBe(4);
    makeModelFolder(join(dir, "a"));
    makeModelFolder(join(dir, "b"));
    expect(rampart(dir, ["model", "register", "a", "--name", "fraud"]).code).toBe(0);
    const b = json(rampart(dir, ["--json", "model", "register", "b", "--name", "churn"]));
    const ok = await verifyAll(["model", "verify", "--all"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/✓ all 2 version\(s\) verified/);

    const digest = (b.model as { files: { digest: string }[] }).files[0]?.digest.slice(7) ?? "";
    writeFileSync(join(dir, ".rampart/blobs/sha256", digest.slice(0, 2), digest), "replaced");
    const bad = await verifyAll(["model", "verify", "--all"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/✗ churn@1\s+none\s+TAMPERED/);
    expect(bad.stdout).toMatch(/✓ fraud@1/);
    const doc = JSON.parse((await verifyAll(["--json", "model", "verify", "--all"])).stdout);
    expect(doc).toMatchObject({ schema: "rampart/model-verify@1", ok: false, verified: false });
    expect(doc.findings).toHaveLength(1);
    expect(doc.findings[0]).toMatchObject({
      detector: "model.verify",
      asset: { id: "churn", version: "1" },
    });
    expect(doc.files).toContainEqual({ name: "churn@1/config.json", status: "changed" });
    expect((await verifyAll(["model", "verify", "--all", "--name", "fraud"])).code).toBe(0);
  });
});
