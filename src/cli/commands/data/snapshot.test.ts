import { createPublicKey, verify } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { json, rampart as runCli } from "../../../../test/cli.js";
import { makeModelFolder, makeSigningKey, sign } from "../../../model/registry/testing.js";

const rampart = (cwd: string, args: string[], actor = "analyst") =>
  runCli(cwd, args, { RAMPART_ACTOR: actor });

const CONFIG = `version: 1
models:
  promotion:
    trusted_keys: [keys/release.pub.pem]
data:
  sources:
    bank: { trust: trusted, description: core banking export }
    feedback: { trust: untrusted }
  approvers: [admin]
`;

/** Two well-separated classes: a clean training set. */
function cleanCsv(rows: number): string {
  const lines = ["amount,hour,country,label"];
  for (let i = 0; i < rows; i++) {
    const fraud = i % 4 === 0;
    const amount = fraud ? 900 + ((i * 37) % 100) : 20 + ((i * 53) % 80);
    const hour = fraud ? 1 + (i % 4) : 9 + (i % 9);
    lines.push(`${amount},${hour},${["FR", "DE", "IT"][i % 3]},${fraud ? "fraud" : "legit"}`);
  }
  return `${lines.join("\n")}\n`;
}

describe("rampart data snapshot | verify | list | show | approve", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "rampart-data-cli-"));
    expect(rampart(dir, ["init"]).code).toBe(0);
    writeFileSync(join(dir, "rampart.yaml"), CONFIG);
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "data", "tx.csv"), cleanCsv(40));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("snapshot → list → show → envelope verifies elsewhere → verify; one byte changed → exit 1", () => {
    expect(statSync(join(dir, ".rampart/keys/data-p256.pem")).mode & 0o777).toBe(0o600);
    const run = rampart(dir, [
      "--json",
      "data",
      "snapshot",
      "data/tx.csv",
      "--dataset",
      "tx",
      "--source",
      "bank",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const doc = json(run);
    expect(doc).toMatchObject({
      schema: "rampart/data-snapshot@1",
      ok: true,
      source_listed: true,
      snapshot: { dataset: "tx", source: "bank", trust: "trusted", status: "accepted", rows: 40 },
    });
    const id = (doc.snapshot as { id: string }).id;
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const list = rampart(dir, ["data", "list"]);
    expect(list.stdout).toMatch(
      new RegExp(`^${id.slice(0, 12)}\\s+tx\\s+accepted\\s+bank\\s+trusted\\s+40\\s+1`, "m"),
    );
    const show = rampart(dir, ["data", "show", id.slice(0, 8)]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/source\s+bank \(trust: trusted\)/);
    expect(show.stdout).toMatch(/^amount\s+numeric/m);

    // The envelope alone is enough to check the signature with nothing but node:crypto.
    const envelope = JSON.parse(
      rampart(dir, ["data", "show", id.slice(0, 8), "--envelope"]).stdout,
    );
    const payload = Buffer.from(envelope.payload, "base64");
    const type = envelope.payloadType as string;
    const paeBytes = Buffer.concat([
      Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${payload.length} `),
      payload,
    ]);
    const pub = createPublicKey(readFileSync(join(dir, ".rampart/keys/data-p256.pub")));
    expect(verify("sha256", paeBytes, pub, Buffer.from(envelope.signatures[0].sig, "base64"))).toBe(
      true,
    );
    expect(JSON.parse(payload.toString()).predicate.rootDigest.sha256).toBe(
      (doc.snapshot as { rootDigest: string }).rootDigest,
    );

    expect(rampart(dir, ["data", "verify", id.slice(0, 10)]).code).toBe(0);
    const csv = readFileSync(join(dir, "data", "tx.csv"));
    csv[30] = csv[30] === 0x31 ? 0x32 : 0x31;
    writeFileSync(join(dir, "data", "tx.csv"), csv);
    const bad = rampart(dir, ["--json", "data", "verify", id]);
    expect(bad.code).toBe(1);
    expect(json(bad)).toMatchObject({
      schema: "rampart/data-verify@1",
      ok: false,
      verified: false,
      files: [{ name: "tx.csv", status: "changed" }],
      findings: [{ detector: "data.snapshot.files", severity: "critical" }],
    });
    expect(rampart(dir, ["data", "verify", id]).stdout).toMatch(/^tx\.csv\s+changed/m);
  });

  it("moved data verifies with --root; CLI mistakes exit 2 without a stack", () => {
    const doc = json(
      rampart(dir, [
        "--json",
        "data",
        "snapshot",
        "data/tx.csv",
        "--dataset",
        "tx",
        "--source",
        "bank",
      ]),
    );
    const id = (doc.snapshot as { id: string }).id;
    renameSync(join(dir, "data"), join(dir, "archive"));
    expect(rampart(dir, ["data", "verify", id]).code).toBe(1);
    expect(rampart(dir, ["data", "verify", id, "--root", "archive"]).code).toBe(0);

    const cases: [string[], RegExp][] = [
      [
        ["data", "snapshot", "nope.csv", "--dataset", "tx", "--source", "bank"],
        /no such file: nope\.csv/,
      ],
      [["data", "show", "0123456789abcdef"], /no dataset snapshot 0123456789abcdef/],
      [
        [
          "data",
          "snapshot",
          "archive/tx.csv",
          "--dataset",
          "tx",
          "--source",
          "bank",
          "--parent",
          "deadbeefdead",
        ],
        /no dataset snapshot deadbeefdead/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = rampart(dir, args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it("an unlisted source is untrusted with a warning; approve is for approvers only", () => {
    const run = rampart(dir, [
      "--json",
      "data",
      "snapshot",
      "data/tx.csv",
      "--dataset",
      "tx",
      "--source",
      "web-form",
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/source "web-form" is not listed .* untrusted/);
    const doc = json(run);
    expect(doc).toMatchObject({
      source_listed: false,
      snapshot: { trust: "untrusted", status: "quarantined" },
    });
    const id = (doc.snapshot as { id: string }).id.slice(0, 12);

    const refused = rampart(dir, ["data", "approve", id, "--reason", "trust me"], "mallory");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/mallory may not approve/);
    expect(refused.stderr).toMatch(/hint: data\.approvers in rampart\.yaml lists admin/);
    const approved = json(
      rampart(dir, ["--json", "data", "approve", id, "--reason", "hotfix"], "admin"),
    );
    expect(approved).toMatchObject({ outcome: "changed", from: "quarantined", to: "approved" });
    expect(rampart(dir, ["data", "approve", id, "--reason", "again"], "admin").code).toBe(4);
    const log = json(rampart(dir, ["--json", "audit", "log", "--kind", "data.approve"]));
    expect((log.entries as { actor: string }[]).map((e) => e.actor)).toEqual(["admin"]);
  });

  it("a snapshot whose files changed cannot be approved", () => {
    const doc = json(
      rampart(dir, [
        "--json",
        "data",
        "snapshot",
        "data/tx.csv",
        "--dataset",
        "tx",
        "--source",
        "feedback",
      ]),
    );
    const id = (doc.snapshot as { id: string }).id;
    writeFileSync(join(dir, "data", "tx.csv"), cleanCsv(41));
    const run = rampart(dir, ["--json", "data", "approve", id, "--reason", "x"], "admin");
    expect(run.code).toBe(1);
    expect(json(run)).toMatchObject({ ok: false, refused: true, files: [{ status: "changed" }] });
    expect(json(rampart(dir, ["--json", "data", "show", id])).snapshot).toMatchObject({
      status: "quarantined",
    });
  });

  it("a project from before data keys: the command says how; `rampart init` adds the key", () => {
    rmSync(join(dir, ".rampart/keys/data-p256.pem"));
    rmSync(join(dir, ".rampart/keys/data-p256.pub"));
    const run = rampart(dir, [
      "data",
      "snapshot",
      "data/tx.csv",
      "--dataset",
      "tx",
      "--source",
      "bank",
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the data signing key .*data-p256\.pem does not exist/);
    expect(run.stderr).toMatch(/hint: run `rampart init` in this project/);
    const ledgerKey = readFileSync(join(dir, ".rampart/keys/ledger-ed25519.pem"), "utf8");
    const init = rampart(dir, ["init"]);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/created\s+\.rampart\/keys\/data-p256\.pem/);
    expect(init.stdout).toMatch(/added what was missing/);
    expect(readFileSync(join(dir, ".rampart/keys/ledger-ed25519.pem"), "utf8")).toBe(ledgerKey);
    expect(existsSync(join(dir, ".rampart/keys/data-p256.pub"))).toBe(true);
    expect(
      rampart(dir, ["data", "snapshot", "data/tx.csv", "--dataset", "tx", "--source", "bank"]).code,
    ).toBe(0);
    expect(rampart(dir, ["audit", "verify"]).code).toBe(0);
  });

  it("vet: clean data from an untrusted source becomes vetted; flipped labels keep it quarantined", () => {
    writeFileSync(join(dir, "data", "clean.csv"), cleanCsv(400));
    // The attack: a contributor relabels a block of obvious fraud as legit.
    const poisoned = cleanCsv(400)
      .split("\n")
      .map((line, i) =>
        i > 0 && i <= 100 && line.endsWith(",fraud") ? line.replace(/fraud$/, "legit") : line,
      )
      .join("\n");
    writeFileSync(join(dir, "data", "poisoned.csv"), poisoned);
    const snap = (file: string) =>
      (
        json(
          rampart(dir, [
            "--json",
            "data",
            "snapshot",
            `data/${file}`,
            "--dataset",
            "tx",
            "--source",
            "feedback",
          ]),
        ).snapshot as { id: string }
      ).id;
    const clean = snap("clean.csv");
    const bad = snap("poisoned.csv");

    const passed = rampart(dir, ["--json", "data", "vet", clean.slice(0, 8), "--label", "label"]);
    expect(passed.code, passed.stdout + passed.stderr).toBe(0);
    expect(json(passed)).toMatchObject({
      ok: true,
      passed: true,
      from: "quarantined",
      to: "vetted",
    });

    const failed = rampart(dir, ["--json", "data", "vet", bad.slice(0, 8), "--label", "label"]);
    expect(failed.code, failed.stderr).toBe(1);
    const doc = json(failed);
    expect(doc).toMatchObject({ ok: false, passed: false, to: "quarantined" });
    expect((doc.findings as unknown[]).length).toBeGreaterThan(0);
    const shown = json(rampart(dir, ["--json", "data", "show", bad.slice(0, 8)]));
    expect(shown.snapshot).toMatchObject({ status: "quarantined" });
    expect((shown.findings as unknown[]).length).toBe((doc.findings as unknown[]).length);
    const log = json(rampart(dir, ["--json", "audit", "log", "--kind", "data.vet"]));
    expect((log.entries as unknown[]).length).toBe(2);
  });

  it("promotion is refused while a training snapshot is quarantined, allowed once approved", async () => {
    const key = makeSigningKey(join(dir, "keys"), "release");
    const model = makeModelFolder(join(dir, "model"));
    const signature = await sign(model, key);
    const doc = json(
      rampart(dir, [
        "--json",
        "data",
        "snapshot",
        "data/tx.csv",
        "--dataset",
        "tx",
        "--source",
        "feedback",
      ]),
    );
    const id = (doc.snapshot as { id: string }).id;
    const reg = rampart(dir, [
      "--json",
      "model",
      "register",
      "model",
      "--name",
      "fraud",
      "--signature",
      signature,
      "--dataset",
      id.slice(0, 9),
    ]);
    expect(reg.code, reg.stderr).toBe(0);
    expect(json(reg)).toMatchObject({ model: { lineage: { datasets: [id] } } });

    const refused = rampart(dir, ["--json", "model", "promote", "fraud@1", "--to", "staging"]);
    expect(refused.code).toBe(1);
    const rules = (json(refused).rules as { rule: string; ok: boolean; message: string }[]).find(
      (r) => r.rule === "lineage.vetted_datasets",
    );
    expect(rules).toMatchObject({ ok: false, message: expect.stringMatching(/unvetted/) });

    expect(
      rampart(dir, ["data", "approve", id.slice(0, 8), "--reason", "reviewed by hand"], "admin")
        .code,
    ).toBe(0);
    const promoted = rampart(dir, ["--json", "model", "promote", "fraud@1", "--to", "staging"]);
    expect(promoted.code, promoted.stdout).toBe(0);

    const bom = JSON.parse(rampart(dir, ["model", "bom", "fraud@1"]).stdout);
    const data = (
      bom.components as {
        type: string;
        name: string;
        hashes?: { content: string }[];
        description?: string;
      }[]
    ).find((c) => c.type === "data");
    expect(data).toMatchObject({
      name: "tx",
      hashes: [{ content: (doc.snapshot as { rootDigest: string }).rootDigest }],
      description: expect.stringMatching(/source feedback \(trust untrusted, status approved\)/),
    });
  });
});
