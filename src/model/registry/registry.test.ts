import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { describeEachDatabase, freshDatabase, type TestDatabase } from "../../../test/databases.js";
import {
  defaultConfig,
  type Ed25519KeyPair,
  generateEd25519,
  type RampartConfig,
} from "../../core/index.js";
import {
  BlobStore,
  kekFromBytes,
  LedgerWriter,
  queryEntries,
  type Store,
  verifyLedger,
} from "../../store/index.js";
import { signModel } from "../signing/index.js";
import {
  archiveModel,
  getModelVersion,
  listModelVersions,
  promoteModel,
  RegistryContext,
  type RegistryOptions,
  registerModel,
  rollbackModel,
  verifyStoredModels,
  vettingFrom,
} from "./index.js";
import {
  makeMaliciousFolder,
  makeModelFolder,
  makeSigningKey,
  type SigningKey,
  sign,
} from "./testing.js";

describeEachDatabase("model registry", (dialect) => {
  let db: TestDatabase;
  let store: Store;
  let dir: string;
  let blobs: BlobStore;
  let ledgerKey: Ed25519KeyPair;
  let writers: LedgerWriter[];
  let trusted: SigningKey;
  let stranger: SigningKey;

  beforeEach(async () => {
    db = await freshDatabase(dialect);
    store = await db.open();
    dir = mkdtempSync(join(tmpdir(), "rampart-registry-"));
    blobs = new BlobStore(join(dir, "blobs"));
    ledgerKey = generateEd25519();
    writers = [];
    trusted = makeSigningKey(join(dir, "keys"), "trusted");
    stranger = makeSigningKey(join(dir, "keys"), "stranger");
  });
  afterEach(async () => {
    for (const w of writers) await w.close();
    await store.close();
    await db.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  function configWith(
    promotion: Partial<RampartConfig["models"]["promotion"]> = {},
    encrypt = false,
  ) {
    const config = defaultConfig();
    config.models.encrypt_at_rest = encrypt;
    config.models.promotion = {
      ...config.models.promotion,
      trusted_keys: ["keys/trusted.pub.pem"],
      ...promotion,
    };
    return config;
  }

  function registry(
    config: RampartConfig = configWith(),
    extra: Partial<RegistryOptions> = {},
  ): RegistryContext {
    const ledger = new LedgerWriter(store, {
      signer: ledgerKey,
      checkpoint: { everyEntries: 1000, everySeconds: 3600 },
    });
    writers.push(ledger);
    return new RegistryContext({
      store,
      blobs,
      config,
      resolvePath: (p) => resolve(dir, p),
      ledger,
      actor: "alice@test",
      vetting: vettingFrom({ "tx-2026-11-01": "vetted", "tx-poisoned": "unvetted" }),
      ...extra,
    });
  }

  async function signedModel(name: string, key: SigningKey = trusted) {
    const path = makeModelFolder(join(dir, name));
    return { path, signature: await sign(path, key) };
  }

  const entriesOf = async (kind: string) => queryEntries(store, { kind });

  it("registers a signed folder: blobs, record, next version, lineage, ledger entry", async () => {
    const ctx = registry();
    const { path, signature } = await signedModel("fraud-model");
    const first = await registerModel(ctx, {
      path,
      name: "fraud",
      signaturePath: signature,
      datasets: ["tx-2026-11-01", "tx-2026-11-01"],
      metrics: { auc: 0.93 },
      gitCommit: "ABCDEF1234567",
      parameters: { lr: 0.1, depth: 6 },
      card: { task: "classification", architecture: "gbdt" },
    });
    expect(first.ok).toBe(true);
    const v1 = first.version;
    expect(v1).toMatchObject({
      name: "fraud",
      version: "1",
      stage: "none",
      encrypted: false,
      createdBy: "alice@test",
      metrics: { auc: 0.93 },
      card: { task: "classification", architecture: "gbdt" },
      lineage: {
        datasets: ["tx-2026-11-01"],
        gitCommit: "abcdef1234567",
        parameters: { lr: 0.1, depth: 6 },
      },
      scan: { maxSeverity: null, findings: 0 },
    });
    expect(v1.files.map((f) => f.name)).toEqual([
      "config.json",
      "tokenizer/vocab.txt",
      "weights.bin",
    ]);
    expect(v1.files[2]).toMatchObject({ size: 3000 });
    expect(v1.signature?.signer).toMatchObject({ kind: "key" });
    expect(String(v1.signature?.signer.trustedBy)).toContain("trusted.pub.pem");
    expect(v1.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await blobs.has(v1.blob)).toBe(true);
    for (const f of v1.files) expect(await blobs.has(f.digest)).toBe(true); // unencrypted: blob = plaintext digest

    // The next registration takes the next integer; explicit versions are immutable.
    const second = await registerModel(ctx, { path, name: "fraud", parent: "fraud@1" });
    expect(second.version).toMatchObject({ version: "2", lineage: { parent: "fraud@1" } });
    expect(second.version.signature).toBeUndefined();
    await registerModel(ctx, { path, name: "fraud", version: "2.1.0" });
    await expect(
      registerModel(ctx, { path, name: "fraud", version: "2.1.0" }),
    ).rejects.toMatchObject({ code: "E_USAGE" });
    expect((await registerModel(ctx, { path, name: "fraud" })).version.version).toBe("3");
    await registerModel(ctx, { path, name: "churn" });

    expect((await listModelVersions(store)).map((v) => `${v.name}@${v.version}`)).toEqual([
      "churn@1",
      "fraud@1",
      "fraud@2",
      "fraud@2.1.0",
      "fraud@3",
    ]);
    expect((await listModelVersions(store, { name: "churn" })).length).toBe(1);
    expect(await getModelVersion(store, "fraud", "1")).toMatchObject({ digest: v1.digest });
    expect(await getModelVersion(store, "fraud", "9")).toBeUndefined();

    const registered = await entriesOf("model.register");
    expect(registered).toHaveLength(5);
    expect(registered[0]).toMatchObject({
      actor: "alice@test",
      asset: { kind: "model", id: "fraud", version: "1" },
    });
    expect(JSON.parse(registered[0]?.payload ?? "{}")).toMatchObject({ signed: true, files: 3 });
    await ctx.ledger.close();
    expect((await verifyLedger(store, ledgerKey)).ok).toBe(true);
  });

  it("packs deterministically: the same folder gives the same manifest blob and digest", async () => {
    const ctx = registry();
    const path = makeModelFolder(join(dir, "m"), "fixed");
    mkdirSync(join(path, ".git"));
    writeFileSync(join(path, ".git", "HEAD"), "ref: refs/heads/main\n");
    const a = await registerModel(ctx, { path, name: "m" });
    // What model signing never covers is never packed either.
    expect(a.version.files.map((f) => f.name)).toEqual([
      "config.json",
      "tokenizer/vocab.txt",
      "weights.bin",
    ]);
    const b = await registerModel(ctx, { path, name: "m" });
    expect(b.version.blob).toBe(a.version.blob);
    expect(b.version.digest).toBe(a.version.digest);
    const manifest = JSON.parse(readFileSync(blobs.pathOf(a.version.blob), "utf8"));
    expect(manifest).toMatchObject({ schema: "rampart/model-pack@1", layout: "folder", root: "m" });
    // A single file is a pack of one, named ".".
    const file = await registerModel(ctx, { path: join(path, "weights.bin"), name: "w" });
    expect(file.version.files.map((f) => f.name)).toEqual(["."]);
  });

  it("refuses a registration whose signature does not verify, and records nothing but the refusal", async () => {
    const ctx = registry();
    const { path, signature } = await signedModel("evil-signed", stranger);
    const result = await registerModel(ctx, { path, name: "fraud", signaturePath: signature });
    expect(result.ok).toBe(false);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({
      detector: "model.register",
      severity: "high",
      asset: { kind: "model", id: "fraud", version: "1" },
    });
    expect(JSON.stringify(result.findings[0]?.evidence)).toMatch(/not the key given/);
    expect(await listModelVersions(store)).toEqual([]);
    expect(await entriesOf("model.register.refused")).toHaveLength(1);

    // Files changed after signing fail the same way.
    const ok = await signedModel("changed-after-signing");
    writeFileSync(join(ok.path, "weights.bin"), "swapped");
    const changed = await registerModel(ctx, {
      path: ok.path,
      name: "fraud",
      signaturePath: ok.signature,
    });
    expect(changed.ok).toBe(false);
  });

  it("refuses a promotion and lists every unmet rule: unsigned, scan above threshold, unknown dataset", async () => {
    const ctx = registry();
    const path = makeMaliciousFolder(join(dir, "evil"));
    const registered = await registerModel(ctx, {
      path,
      name: "fraud",
      datasets: ["tx-2026-11-01", "tx-from-nowhere"],
    });
    // Registration records the scan; the gate is promotion.
    expect(registered.ok).toBe(true);
    expect(registered.version.scan?.maxSeverity).toBe("critical");
    expect(registered.findings.length).toBeGreaterThan(0);
    expect(registered.findings[0]?.asset).toEqual({ kind: "model", id: "fraud", version: "1" });
    expect(String(registered.findings[0]?.evidence.file)).toBe("evil/model.pkl");

    const result = await promoteModel(ctx, "fraud", "1", "production");
    expect(result.outcome).toBe("refused");
    expect(result.findings.map((f) => f.evidence.rule).sort()).toEqual([
      "lineage.vetted_datasets",
      "scan.max_severity",
      "signature.required",
    ]);
    for (const f of result.findings) {
      expect(f).toMatchObject({ detector: "model.promote", asset: { id: "fraud", version: "1" } });
    }
    const lineage = result.findings.find((f) => f.evidence.rule === "lineage.vetted_datasets");
    expect(lineage?.title).toMatch(/tx-from-nowhere \(unknown\)/);
    expect(lineage?.title).not.toMatch(/tx-2026-11-01/);
    expect((await getModelVersion(store, "fraud", "1"))?.stage).toBe("none");
    const refused = await entriesOf("model.promote.refused");
    expect(JSON.parse(refused[0]?.payload ?? "{}").unmet).toHaveLength(3);
    expect(await entriesOf("model.promote")).toHaveLength(0);
  });

  it("refuses a version signed by a key that is no longer trusted", async () => {
    const both = configWith({ trusted_keys: ["keys/trusted.pub.pem", "keys/stranger.pub.pem"] });
    const { path, signature } = await signedModel("m", stranger);
    const registered = await registerModel(registry(both), {
      path,
      name: "fraud",
      signaturePath: signature,
      datasets: ["tx-2026-11-01"],
    });
    expect(registered.ok).toBe(true);
    const result = await promoteModel(registry(), "fraud", "1", "staging");
    expect(result.outcome).toBe("refused");
    expect(result.findings.map((f) => f.evidence.rule)).toEqual(["signature.trusted"]);
    expect(result.findings[0]?.title).toMatch(/does not verify against a trusted key/);
  });

  it("a certificate-chain signature passes only when its CA root is trusted", async () => {
    const pki = join(import.meta.dirname, "../signing/testdata/pki");
    const path = makeModelFolder(join(dir, "cert-signed"));
    const signaturePath = join(dir, "cert-signed.sig");
    await signModel(path, {
      privateKeyPem: readFileSync(join(pki, "leaf-key.pem"), "utf8"),
      certificateChainPems: [readFileSync(join(pki, "leaf.pem"), "utf8")],
      signaturePath,
    });
    const rootTrusted = configWith({
      trusted_keys: [],
      trusted_certificate_roots: [join(pki, "root.pem")],
      require_vetted_datasets: false,
    });
    const registered = await registerModel(registry(rootTrusted), {
      path,
      name: "fraud",
      signaturePath,
    });
    expect(registered.ok).toBe(true);
    expect((await promoteModel(registry(rootTrusted), "fraud", "1", "staging")).outcome).toBe(
      "promoted",
    );

    const otherRoot = configWith({
      trusted_keys: [],
      trusted_certificate_roots: [join(pki, "other-root.pem")],
      require_vetted_datasets: false,
    });
    const refused = await promoteModel(registry(otherRoot), "fraud", "1", "production");
    expect(refused.outcome).toBe("refused");
    expect(refused.findings.map((f) => f.evidence.rule)).toEqual(["signature.trusted"]);
  });

  it("unknown vetting fails closed: the default answers unknown, and no datasets at all fails too", async () => {
    const { path, signature } = await signedModel("m");
    const ctx = registry(configWith(), { vetting: undefined });
    await registerModel(ctx, {
      path,
      name: "a",
      signaturePath: signature,
      datasets: ["tx-2026-11-01"],
    });
    await registerModel(ctx, { path, name: "b", signaturePath: signature });
    for (const name of ["a", "b"]) {
      const result = await promoteModel(ctx, name, "1", "staging");
      expect(result.findings.map((f) => f.evidence.rule)).toEqual(["lineage.vetted_datasets"]);
    }
    const relaxed = registry(configWith({ require_vetted_datasets: false }));
    expect((await promoteModel(relaxed, "b", "1", "staging")).outcome).toBe("promoted");
  });

  it("promotes when every rule holds; production replaces production; rollback walks back", async () => {
    const ctx = registry();
    for (const name of ["m1", "m2", "m3"]) {
      const { path, signature } = await signedModel(name);
      const r = await registerModel(ctx, {
        path,
        name: "fraud",
        signaturePath: signature,
        datasets: ["tx-2026-11-01"],
      });
      expect(r.ok).toBe(true);
    }
    const staged = await promoteModel(ctx, "fraud", "1", "staging");
    expect(staged.outcome).toBe("promoted");
    expect(staged.rules.every((r) => r.ok)).toBe(true);
    expect(staged.version.stage).toBe("staging");
    expect((await promoteModel(ctx, "fraud", "1", "staging")).outcome).toBe("unchanged");

    expect((await promoteModel(ctx, "fraud", "1", "production")).outcome).toBe("promoted");
    const p2 = await promoteModel(ctx, "fraud", "2", "production");
    expect(p2).toMatchObject({ outcome: "promoted", archived: "1", from: "none" });
    const p3 = await promoteModel(ctx, "fraud", "3", "production");
    expect(p3.archived).toBe("2");
    const stages = async () =>
      Object.fromEntries((await listModelVersions(store)).map((v) => [v.version, v.stage]));
    expect(await stages()).toEqual({ "1": "archived", "2": "archived", "3": "production" });
    await expect(promoteModel(ctx, "fraud", "3", "staging")).rejects.toMatchObject({
      code: "E_USAGE",
    });
    await expect(archiveModel(ctx, "fraud", "3")).rejects.toMatchObject({ code: "E_USAGE" });

    const back = await rollbackModel(ctx, "fraud");
    expect(back.ok).toBe(true);
    expect(back.from).toMatchObject({ version: "3", stage: "archived" });
    expect(back.from.rolledBackAt).not.toBeNull();
    expect(back.to).toMatchObject({ version: "2", stage: "production" });
    // A second rollback goes further back, never forward to the version just rolled back.
    expect((await rollbackModel(ctx, "fraud")).to.version).toBe("1");
    expect(await stages()).toEqual({ "1": "production", "2": "archived", "3": "archived" });
    await expect(rollbackModel(ctx, "fraud")).rejects.toMatchObject({ code: "E_USAGE" });
    await expect(rollbackModel(ctx, "churn")).rejects.toMatchObject({ code: "E_USAGE" });

    const rollbacks = await entriesOf("model.rollback");
    expect(rollbacks.map((e) => [e.asset?.version, JSON.parse(e.payload).from])).toEqual([
      ["2", "3"],
      ["1", "2"],
    ]);
    expect((await entriesOf("model.archive")).map((e) => e.asset?.version)).toEqual(["1", "2"]);
    expect((await entriesOf("model.promote")).map((e) => e.asset?.version)).toEqual([
      "1",
      "1",
      "2",
      "3",
    ]);
    expect((await archiveModel(ctx, "fraud", "2")).changed).toBe(false);
  });

  it("the database itself holds one production version per name", async () => {
    const ctx = registry(configWith({ require_signature: false, require_vetted_datasets: false }));
    const path = makeModelFolder(join(dir, "m"));
    await registerModel(ctx, { path, name: "fraud" });
    await registerModel(ctx, { path, name: "fraud" });
    await promoteModel(ctx, "fraud", "1", "production");
    await expect(
      store.db
        .updateTable("model_versions")
        .set({ stage: "production" })
        .where("version", "=", "2")
        .execute(),
    ).rejects.toThrow();
  });

  it("tampering with a stored blob after registration blocks promotion and fails verify, naming the version", async () => {
    const ctx = registry();
    const { path, signature } = await signedModel("m");
    await registerModel(ctx, {
      path,
      name: "fraud",
      signaturePath: signature,
      datasets: ["tx-2026-11-01"],
    });
    const other = await signedModel("other");
    await registerModel(ctx, {
      path: other.path,
      name: "churn",
      signaturePath: other.signature,
      datasets: ["tx-2026-11-01"],
    });
    expect((await verifyStoredModels(ctx)).verified).toBe(true);

    const v = await getModelVersion(store, "fraud", "1");
    const weights = v?.files.find((f) => f.name === "weights.bin");
    const blobPath = blobs.pathOf(weights?.digest ?? "");
    const bytes = readFileSync(blobPath);
    bytes[100] = (bytes[100] as number) ^ 0xff;
    writeFileSync(blobPath, bytes);

    const report = await verifyStoredModels(ctx);
    expect(report.verified).toBe(false);
    const byModel = Object.fromEntries(report.versions.map((r) => [r.name, r.status]));
    expect(byModel).toEqual({ churn: "ok", fraud: "tampered" });
    const bad = report.versions.find((r) => r.name === "fraud");
    expect(bad?.files.find((f) => f.name === "weights.bin")?.status).toBe("changed");
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({
      detector: "model.verify",
      severity: "critical",
      asset: { kind: "model", id: "fraud", version: "1" },
    });
    expect(await entriesOf("model.verify.failed")).toHaveLength(1);

    const promotion = await promoteModel(ctx, "fraud", "1", "production");
    expect(promotion.outcome).toBe("refused");
    const rules = promotion.findings.map((f) => f.evidence.rule);
    expect(rules).toContain("integrity");
    expect(rules).toContain("signature.trusted");
    expect(promotion.findings.find((f) => f.evidence.rule === "integrity")?.severity).toBe(
      "critical",
    );
  });

  it("a version whose every blob is gone is refused with its rules listed, not an error", async () => {
    const ctx = registry();
    const file = join(makeModelFolder(join(dir, "m")), "weights.bin");
    const { version } = await registerModel(ctx, {
      path: file,
      name: "w",
      datasets: ["tx-2026-11-01"],
    });
    rmSync(blobs.pathOf(version.files[0]?.digest ?? ""));
    const result = await promoteModel(ctx, "w", "1", "staging");
    expect(result.outcome).toBe("refused");
    expect(result.findings.map((f) => f.evidence.rule).sort()).toEqual([
      "integrity",
      "scan.max_severity",
      "signature.required",
    ]);
    const verified = await verifyStoredModels(ctx);
    expect(verified.versions[0]?.files).toEqual([
      expect.objectContaining({ name: ".", status: "missing" }),
    ]);
  });

  it("a tampered previous production version is not rolled back to", async () => {
    const ctx = registry(configWith({ require_signature: false, require_vetted_datasets: false }));
    await registerModel(ctx, { path: makeModelFolder(join(dir, "a")), name: "fraud" });
    await registerModel(ctx, { path: makeModelFolder(join(dir, "b")), name: "fraud" });
    await promoteModel(ctx, "fraud", "1", "production");
    await promoteModel(ctx, "fraud", "2", "production");
    const v1 = await getModelVersion(store, "fraud", "1");
    rmSync(blobs.pathOf(v1?.files[0]?.digest ?? ""));
    const result = await rollbackModel(ctx, "fraud");
    expect(result.ok).toBe(false);
    expect(result.findings[0]).toMatchObject({ detector: "model.rollback", severity: "critical" });
    expect((await getModelVersion(store, "fraud", "2"))?.stage).toBe("production");
  });

  it("encrypts at rest: ciphertext on disk, readable with the KEK, refused without it", async () => {
    const kek = kekFromBytes(randomBytes(32));
    const config = configWith({ require_vetted_datasets: false }, true);
    await expect(
      registerModel(registry(config), { path: makeModelFolder(join(dir, "x")), name: "fraud" }),
    ).rejects.toMatchObject({ code: "E_KEY" });

    const ctx = registry(config, { kek });
    const { path, signature } = await signedModel("m");
    const result = await registerModel(ctx, { path, name: "fraud", signaturePath: signature });
    expect(result.ok).toBe(true);
    expect(result.version.encrypted).toBe(true);
    const plaintext = readFileSync(join(path, "tokenizer", "vocab.txt"));
    const manifest = JSON.parse(readFileSync(blobs.pathOf(result.version.blob), "utf8"));
    expect(manifest.encryption).toEqual({ scheme: "rampart-aes-256-gcm-stream@1", kek_id: kek.id });
    for (const file of manifest.files as { blob: string; digest: string }[]) {
      expect(file.blob).not.toBe(file.digest);
      expect(readFileSync(blobs.pathOf(file.blob)).includes(plaintext)).toBe(false);
    }
    // Nothing decrypted is left behind by the checks.
    expect(readdirSync(join(blobs.root, "tmp"))).toEqual([]);

    expect((await promoteModel(ctx, "fraud", "1", "production")).outcome).toBe("promoted");
    expect((await verifyStoredModels(ctx)).verified).toBe(true);

    await registerModel(ctx, { path, name: "fraud", signaturePath: signature });
    const keyless = registry(config);
    expect((await verifyStoredModels(keyless)).versions[0]?.status).toBe("unreadable");
    await expect(promoteModel(keyless, "fraud", "2", "staging")).rejects.toMatchObject({
      code: "E_KEY",
    });

    const sealed = manifest.files[0].blob as string;
    const bytes = readFileSync(blobs.pathOf(sealed));
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] as number) ^ 1;
    writeFileSync(blobs.pathOf(sealed), bytes);
    const report = await verifyStoredModels(ctx);
    expect(report.versions[0]?.status).toBe("tampered");
    expect(report.versions[0]?.problems.join(" ")).toMatch(/E_BLOB_CORRUPT|corrupt/);
  });
});
