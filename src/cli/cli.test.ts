import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { json, rampart } from "../../test/cli.js";
import { POSTGRES_URL } from "../../test/services.js";

describe("rampart CLI", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "rampart-cli-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("init → verify passes; one edited payload byte → verify exits 1 naming the seq", () => {
    const init = rampart(dir, ["init"]);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/created\s+rampart\.yaml/);
    expect(statSync(join(dir, ".rampart/keys/ledger-ed25519.pem")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, ".rampart/.gitignore"), "utf8")).toMatch(/^\*$/m);

    const ok = rampart(dir, ["audit", "verify"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/ledger verified: 1 entries, 1 signed checkpoints/);

    const db = new Database(join(dir, ".rampart/rampart.db"));
    db.prepare(
      "update ledger_entries set payload = replace(payload, '\"sqlite\"', '\"sqlitf\"') where seq = 1",
    ).run();
    db.close();

    const bad = rampart(dir, ["audit", "verify"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/verification FAILED at seq 1/);
    const doc = json(rampart(dir, ["--json", "audit", "verify"]));
    expect(doc).toMatchObject({
      schema: "rampart/audit-verify@1",
      ok: false,
      verified: false,
      first_bad_seq: 1,
    });
    expect((doc.findings as unknown[]).length).toBe(1);

    // The tampering is now a stored finding, recorded once however often verify ran.
    const list = rampart(dir, ["--json", "findings", "list"]);
    expect(list.code).toBe(1);
    const findings = json(list).findings as {
      detector: string;
      severity: string;
      threats: { id: string }[];
    }[];
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ detector: "ledger.verify", severity: "critical" });
    expect(findings[0]?.threats.map((t) => t.id)).toContain("AML.T0010");
    expect(rampart(dir, ["findings", "list", "--fail-on", "critical"]).code).toBe(1);
    const none = rampart(dir, ["--json", "findings", "list", "--detector", "nope"]);
    expect(none.code).toBe(0);
    expect(json(none)).toMatchObject({ schema: "rampart/findings-list@1", ok: true, findings: [] });
  });

  it("init twice changes nothing and says so (exit 4)", () => {
    expect(rampart(dir, ["init"]).code).toBe(0);
    const key = readFileSync(join(dir, ".rampart/keys/ledger-ed25519.pem"), "utf8");
    const again = rampart(dir, ["init"]);
    expect(again.code).toBe(4);
    expect(again.stdout).toMatch(/already set up/);
    expect(readFileSync(join(dir, ".rampart/keys/ledger-ed25519.pem"), "utf8")).toBe(key);
  });

  it("audit log filters by kind, asset and time, as a table or JSON", () => {
    expect(rampart(dir, ["init"]).code).toBe(0);
    const table = rampart(dir, ["audit", "log"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^SEQ\s+TIME\s+ACTOR\s+KIND/m);
    expect(table.stdout).toMatch(/rampart\.init/);
    expect(table.stdout.includes("\u001b[")).toBe(false); // no colour when piped

    const doc = json(
      rampart(dir, ["--json", "audit", "log", "--kind", "rampart.init", "--since", "1h"]),
    );
    expect(doc).toMatchObject({ schema: "rampart/audit-log@1", ok: true, findings: [] });
    const entries = doc.entries as { seq: number; payload: { ledger_key_id: string } }[];
    expect(entries).toHaveLength(1);
    expect(entries[0]?.payload.ledger_key_id).toMatch(/^[0-9a-f]{64}$/);

    expect(json(rampart(dir, ["--json", "audit", "log", "--since", "2999-01-01"])).entries).toEqual(
      [],
    );
    expect(
      json(rampart(dir, ["--json", "audit", "log", "--asset", "model:fraud"])).entries,
    ).toEqual([]);
  });

  it("user mistakes get a message and a hint, exit 2, and never a stack trace", () => {
    const cases: [string[], RegExp][] = [
      [["audit", "verify"], /no Rampart database .*\nhint: .*rampart init/],
      [["audit", "log", "--since", "yesterday"], /neither a date nor a duration\nhint:/],
      [["audit", "log", "--asset", "spaceship:x"], /unknown asset kind "spaceship"/],
      [
        ["findings", "list", "--min-severity", "huge"],
        /not a severity\nhint: use one of info, low, medium, high, critical/,
      ],
      [["audit", "frobnicate"], /unknown command 'frobnicate'/],
      [["--nope"], /unknown option '--nope'/],
    ];
    for (const [args, message] of cases) {
      const run = rampart(dir, args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(message);
      expect(run.stderr, args.join(" ")).not.toMatch(/\n\s+at /);
    }
  });

  it("a broken rampart.yaml names the key, its line, and what was expected", () => {
    writeFileSync(
      join(dir, "rampart.yaml"),
      "version: 1\nledger:\n  checkpoint:\n    every_entries: many\n",
    );
    const run = rampart(dir, ["--json", "audit", "log"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /rampart\.yaml:4\s+ledger\.checkpoint\.every_entries: expected number/,
    );
    expect(json(run)).toMatchObject({ ok: false, error: { code: "E_CONFIG" } });
  });

  it("a missing ledger key is explained, not a crash", () => {
    expect(rampart(dir, ["init"]).code).toBe(0);
    rmSync(join(dir, ".rampart/keys"), { recursive: true });
    const run = rampart(dir, ["audit", "verify"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no ledger public key .*\nhint: pass --public-key/);
  });

  it("scan: a table of findings, SARIF to a file, exit codes never masked", () => {
    const scanData = join(import.meta.dirname, "../model/scan");
    const models = join(dir, "models");
    mkdirSync(models);
    writeFileSync(
      join(models, "weights.bin"),
      readFileSync(join(scanData, "pickle/testdata/reduce_os_system_p2.pkl")),
    );
    writeFileSync(
      join(models, "state.pt"),
      readFileSync(join(scanData, "archive/testdata/torch_state_dict.pt")),
    );

    const table = rampart(dir, ["scan", "models"]);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/critical\s+models\/weights\.bin\s+pickle\.dangerous-global/);
    expect(table.stdout).toMatch(/2 file\(s\) scanned \(.*pytorch-zip.*\)/);

    const sarif = rampart(dir, ["scan", "models", "--format", "sarif", "-o", "out.sarif"]);
    expect(sarif.code).toBe(1);
    const log = JSON.parse(readFileSync(join(dir, "out.sarif"), "utf8")) as {
      version: string;
      runs: {
        results: {
          ruleId: string;
          locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
        }[];
      }[];
    };
    expect(log.version).toBe("2.1.0");
    expect(log.runs[0]?.results.map((r) => r.ruleId)).toContain("pickle.dangerous-global");
    expect(log.runs[0]?.results[0]?.locations[0]?.physicalLocation.artifactLocation.uri).toBe(
      "models/weights.bin",
    );

    const doc = json(rampart(dir, ["--json", "scan", "models"]));
    expect(doc).toMatchObject({ schema: "rampart/scan@1", ok: false, skipped: [], errors: [] });
    expect((doc.files as { format: string }[]).map((f) => f.format).sort()).toEqual([
      "pickle",
      "pytorch-zip",
    ]);

    rmSync(join(models, "weights.bin"));
    expect(rampart(dir, ["scan", "models"]).code).toBe(0);
    mkdirSync(join(dir, "empty"));
    expect(rampart(dir, ["scan", "empty"]).code).toBe(4);
    const bad = rampart(dir, ["scan", "models", "--format", "xml"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /--format "xml" is not supported\nhint: use one of table, json, sarif/,
    );
  });

  it("scan in a Rampart project stores findings and records each file in the ledger", () => {
    expect(rampart(dir, ["init"]).code).toBe(0);
    const scanData = join(import.meta.dirname, "../model/scan");
    writeFileSync(
      join(dir, "evil.pkl"),
      readFileSync(join(scanData, "pickle/testdata/reduce_os_system_p2.pkl")),
    );
    expect(rampart(dir, ["scan", "evil.pkl"]).code).toBe(1);
    const findings = json(
      rampart(dir, ["--json", "findings", "list", "--detector", "scan.pickle"]),
    );
    expect((findings.findings as unknown[]).length).toBe(1);
    const log = json(rampart(dir, ["--json", "audit", "log", "--kind", "model.scan"]));
    expect(log.entries).toMatchObject([{ asset: { kind: "file", id: "evil.pkl" } }]);
    expect(rampart(dir, ["audit", "verify"]).code).toBe(0);
  });

  it("--help documents the exit codes", () => {
    const run = rampart(dir, ["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Exit codes:\n\s+0\s+ok\n\s+1\s+findings/);
    expect(run.stdout).toMatch(/4\s+nothing to do/);
  });
});

describe.skipIf(!inject("services").postgres)(
  "rampart CLI on PostgreSQL (RAMPART_DATABASE_URL)",
  () => {
    let dir: string;
    let schema: string;
    let url: string;
    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), "rampart-cli-"));
      schema = `cli_${randomBytes(6).toString("hex")}`;
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`create schema ${schema}`);
      await client.end();
      const u = new URL(POSTGRES_URL);
      u.searchParams.set("options", `-c search_path=${schema}`);
      url = u.toString();
    });
    afterEach(async () => {
      rmSync(dir, { recursive: true, force: true });
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    });

    it("init, verify, tamper, verify", async () => {
      const env = { RAMPART_DATABASE_URL: url };
      expect(rampart(dir, ["init"], env).code).toBe(0);
      expect(existsSync(join(dir, ".rampart/rampart.db"))).toBe(false);
      expect(rampart(dir, ["audit", "verify"], env).code).toBe(0);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query("update ledger_entries set actor = 'mallory' where seq = 1");
      await client.end();
      const bad = rampart(dir, ["--json", "audit", "verify"], env);
      expect(bad.code).toBe(1);
      expect(json(bad)).toMatchObject({ first_bad_seq: 1, ok: false });
    });
  },
);
