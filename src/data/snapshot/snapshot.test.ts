import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { describeEachDatabase, freshDatabase, type TestDatabase } from "../../../test/databases.js";
import {
  atlas,
  createFinding,
  defaultConfig,
  type EcdsaKeyPair,
  generateEcdsaP256,
  generateEd25519,
  owaspMl,
  type RampartConfig,
} from "../../core/index.js";
import {
  LedgerWriter,
  listFindings,
  queryEntries,
  type Store,
  verifyLedger,
} from "../../store/index.js";
import { snapshotVetting } from "../sources/index.js";
import {
  approveSnapshot,
  createSnapshot,
  findSnapshot,
  getSnapshot,
  listSnapshots,
  PREDICATE_TYPE,
  parseStatement,
  readSnapshotData,
  recordVet,
  rootDigest,
  type SnapshotContext,
  snapshotIdOf,
  verifySnapshot,
} from "./index.js";
import { insertSnapshot } from "./repository.js";

const CSV_A = "amount,country,label\n10.5,FR,legit\n99.0,DE,fraud\n12.25,FR,legit\n";
const CSV_B = "amount,country,label\n7.0,IT,legit\n";

describeEachDatabase("dataset snapshots", (dialect) => {
  let db: TestDatabase;
  let store: Store;
  let dir: string;
  let signer: EcdsaKeyPair;
  let writers: LedgerWriter[];
  const ledgerKey = generateEd25519();

  beforeEach(async () => {
    db = await freshDatabase(dialect);
    store = await db.open();
    dir = mkdtempSync(join(tmpdir(), "rampart-snapshot-"));
    mkdirSync(join(dir, "data", "day1"), { recursive: true });
    writeFileSync(join(dir, "data", "day1", "a.csv"), CSV_A);
    writeFileSync(join(dir, "data", "b.csv"), CSV_B);
    signer = generateEcdsaP256();
    writers = [];
  });
  afterEach(async () => {
    for (const w of writers) await w.close();
    await store.close();
    await db.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  function context(
    actor = "alice@test",
    edit: (c: RampartConfig) => void = () => {},
  ): SnapshotContext {
    const config = defaultConfig();
    config.data.sources = { bank: { trust: "trusted" }, feedback: { trust: "untrusted" } };
    config.data.approvers = ["admin@test"];
    edit(config);
    const ledger = new LedgerWriter(store, {
      signer: ledgerKey,
      checkpoint: { everyEntries: 1000, everySeconds: 3600 },
    });
    writers.push(ledger);
    return { store, ledger, config, actor };
  }

  const files = () => [join(dir, "data", "day1", "a.csv"), join(dir, "data", "b.csv")];

  it("signs an in-toto statement in DSSE, stores it with its ledger entry, and verifies", async () => {
    const ctx = context();
    const { record, statement, trust } = await createSnapshot(ctx, {
      paths: files(),
      dataset: "transactions",
      source: "bank",
      contributor: "core-banking",
      signer,
    });
    expect(trust).toMatchObject({ trust: "trusted", listed: true });
    expect(record.status).toBe("accepted");
    expect(record.rows).toBe(4);
    expect(record.files.map((f) => [f.name, f.rows])).toEqual([
      ["day1/a.csv", 3],
      ["b.csv", 1],
    ]);
    // Root digest: canonical JSON of {name, sha256} sorted by name.
    expect(record.rootDigest).toBe(rootDigest(record.files));
    expect(statement).toMatchObject({
      _type: "https://in-toto.io/Statement/v1",
      predicateType: PREDICATE_TYPE,
      subject: [
        { name: "day1/a.csv", digest: { sha256: record.files[0]?.sha256 } },
        { name: "b.csv", digest: { sha256: record.files[1]?.sha256 } },
      ],
      predicate: {
        dataset: "transactions",
        source: { name: "bank", trust: "trusted", listed: true },
        contributor: "core-banking",
        schema: [
          { name: "amount", kind: "numeric" },
          { name: "country", kind: "categorical" },
          { name: "label", kind: "categorical" },
        ],
      },
    });
    expect(record.envelope.payloadType).toBe("application/vnd.in-toto+json");
    const payload = Buffer.from(record.envelope.payload, "base64");
    expect(record.id).toBe(snapshotIdOf(payload));
    expect(parseStatement(payload)).toEqual(statement);
    expect(record.envelope.signatures[0]?.keyid).toBe(signer.keyId);

    const stored = await findSnapshot(store, record.id.slice(0, 10).toUpperCase());
    expect(stored).toEqual(record);
    const check = await verifySnapshot(stored!, { publicKey: signer });
    expect(check).toMatchObject({ verified: true, findings: [], record: { ok: true } });
    expect(check.files.map((f) => f.status)).toEqual(["ok", "ok"]);

    const [entry] = await queryEntries(store, { kind: "data.snapshot" });
    expect(entry).toMatchObject({
      actor: "alice@test",
      asset: { kind: "dataset", id: "transactions", version: record.id },
    });
    expect(JSON.parse(entry?.payload ?? "{}")).toMatchObject({
      root_digest: record.rootDigest,
      trust: "trusted",
      status: "accepted",
    });
    expect((await verifyLedger(store, ledgerKey)).ok).toBe(true);

    expect((statement.predicate.profile as { columns: unknown[] }).columns).toHaveLength(3);
    const table = await readSnapshotData(stored!, { publicKey: signer });
    expect(table.nRows).toBe(4);
    await expect(
      readSnapshotData(stored!, { publicKey: generateEcdsaP256() }),
    ).rejects.toMatchObject({
      code: "E_DATA",
      message: expect.stringMatching(/signature does not verify/),
    });
  });

  it("quarantines an untrusted source, and an unlisted one; parents must exist", async () => {
    const ctx = context();
    const listed = await createSnapshot(ctx, {
      paths: [files()[1] as string],
      dataset: "transactions",
      source: "feedback",
      signer,
    });
    expect(listed.record.status).toBe("quarantined");
    const unlisted = await createSnapshot(ctx, {
      paths: [files()[1] as string],
      dataset: "transactions",
      source: "web-form",
      parents: [listed.record.id.slice(0, 8)],
      signer,
    });
    expect(unlisted.trust).toEqual({ source: "web-form", trust: "untrusted", listed: false });
    expect(unlisted.record).toMatchObject({ status: "quarantined", parents: [listed.record.id] });
    await expect(
      createSnapshot(ctx, {
        paths: files(),
        dataset: "transactions",
        source: "bank",
        parents: ["0123456789abcdef"],
        signer,
      }),
    ).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    await expect(
      createSnapshot(ctx, { paths: [join(dir, "nope.csv")], dataset: "t", source: "bank", signer }),
    ).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    await expect(
      createSnapshot(ctx, { paths: files(), dataset: "has space", source: "bank", signer }),
    ).rejects.toMatchObject({ code: "E_USAGE" });
    const folder = await createSnapshot(ctx, {
      paths: [join(dir, "data")],
      dataset: "transactions",
      source: "bank",
      signer,
    });
    expect(folder.record.files.map((f) => f.name)).toEqual(["b.csv"]);
    expect((await listSnapshots(store, { dataset: "transactions" })).length).toBe(3);
  });

  it("catches one changed byte of a data file, a missing file, and finds moved data with root", async () => {
    const ctx = context();
    const { record } = await createSnapshot(ctx, {
      paths: files(),
      dataset: "transactions",
      source: "bank",
      signer,
    });
    const a = join(dir, "data", "day1", "a.csv");
    const bytes = readFileSync(a);
    bytes[bytes.length - 3] = "x".charCodeAt(0); // same size, one byte different
    writeFileSync(a, bytes);
    const check = await verifySnapshot(record, { publicKey: signer });
    expect(check.verified).toBe(false);
    expect(check.signature.ok).toBe(true);
    expect(check.files.map((f) => [f.name, f.status])).toEqual([
      ["day1/a.csv", "changed"],
      ["b.csv", "ok"],
    ]);
    expect(check.findings).toHaveLength(1);
    expect(check.findings[0]).toMatchObject({
      detector: "data.snapshot.files",
      severity: "critical",
      asset: { kind: "dataset", id: "transactions", version: record.id },
    });
    expect(check.findings[0]?.threats.map((t) => t.id)).toEqual([
      "AML.T0020",
      "AML.T0010.002",
      "ML02",
    ]);
    await expect(readSnapshotData(record)).rejects.toMatchObject({
      code: "E_DATA",
      message: expect.stringMatching(/day1\/a\.csv changed/),
    });

    writeFileSync(a, CSV_A);
    expect((await verifySnapshot(record, { publicKey: signer })).verified).toBe(true);
    renameSync(join(dir, "data"), join(dir, "moved"));
    const gone = await verifySnapshot(record, { publicKey: signer });
    expect(gone.files.map((f) => f.status)).toEqual(["missing", "missing"]);
    const moved = await verifySnapshot(record, { publicKey: signer, root: join(dir, "moved") });
    expect(moved.verified).toBe(true);
    expect((await readSnapshotData(record, { root: join(dir, "moved") })).nRows).toBe(4);
  });

  it("catches an edited statement, an edited row and a wrong key", async () => {
    const ctx = context();
    const { record } = await createSnapshot(ctx, {
      paths: files(),
      dataset: "transactions",
      source: "feedback",
      signer,
    });
    // Wrong key.
    const stranger = generateEcdsaP256();
    const wrongKey = await verifySnapshot(record, { publicKey: stranger });
    expect(wrongKey.verified).toBe(false);
    expect(wrongKey.findings.map((f) => f.detector)).toEqual(["data.snapshot.signature"]);

    // Someone with database access upgrades the source's trust in the signed statement.
    const statement = parseStatement(Buffer.from(record.envelope.payload, "base64"));
    statement.predicate.source.trust = "trusted";
    const forged = {
      ...record.envelope,
      payload: Buffer.from(JSON.stringify(statement)).toString("base64"),
    };
    await store.db
      .updateTable("data_snapshots")
      .set({ envelope: JSON.stringify(forged), trust: "trusted" })
      .where("id", "=", record.id)
      .execute();
    const edited = await verifySnapshot((await getSnapshot(store.db, record.id))!, {
      publicKey: signer,
    });
    expect(edited.signature.ok).toBe(false);
    expect(edited.record.mismatches).toContain("id (not the SHA-256 of the signed statement)");
    expect(edited.findings.map((f) => f.detector).sort()).toEqual([
      "data.snapshot.record",
      "data.snapshot.signature",
    ]);

    // Only the row edited: the signature holds, the row disagrees with it.
    await store.db
      .updateTable("data_snapshots")
      .set({ envelope: JSON.stringify(record.envelope), rows: 3, trust: "trusted" })
      .where("id", "=", record.id)
      .execute();
    const row = (await getSnapshot(store.db, record.id))!;
    const rowCheck = await verifySnapshot(row, { publicKey: signer });
    expect(rowCheck.signature.ok).toBe(true);
    expect(rowCheck.record.mismatches).toEqual(["trust", "rows"]);
    await expect(readSnapshotData(row)).rejects.toMatchObject({ code: "E_DATA" });
  });

  it("quarantine → failed vet stays quarantined → passing vet → vetted; approvals are for approvers", async () => {
    const ctx = context();
    const vetting = snapshotVetting(store);
    const { record } = await createSnapshot(ctx, {
      paths: files(),
      dataset: "transactions",
      source: "feedback",
      signer,
    });
    expect(await vetting.isVetted(record.id)).toBe("unvetted");
    expect(await vetting.isVetted("f".repeat(64))).toBe("unknown");

    const poison = createFinding({
      detector: "data.poisoning.labelNoise",
      title: "label-flip cluster",
      severity: "high",
      asset: { kind: "dataset", id: "transactions", version: record.id },
      threats: [atlas("AML.T0020"), owaspMl("ML02")],
      evidence: {},
    });
    const failed = await recordVet(ctx, record, [poison]);
    expect(failed).toMatchObject({
      passed: false,
      worst: "high",
      from: "quarantined",
      to: "quarantined",
    });
    expect((await listFindings(store)).map((f) => f.id)).toEqual([poison.id]);

    const note = { ...poison, id: "n1", severity: "low" as const };
    const passed = await recordVet(ctx, failed.record, [note]);
    expect(passed).toMatchObject({ passed: true, outcome: "changed", to: "vetted" });
    expect(passed.record.status).toBe("vetted");
    expect(await vetting.isVetted(record.id)).toBe("vetted");
    const vets = await queryEntries(store, { kind: "data.vet" });
    expect(vets.map((e) => JSON.parse(e.payload).to)).toEqual(["quarantined", "vetted"]);

    // Approve: a second quarantined snapshot.
    const second = await createSnapshot(ctx, {
      paths: [files()[1] as string],
      dataset: "transactions",
      source: "feedback",
      signer,
    });
    await expect(
      approveSnapshot(ctx, second.record, "needed for the hotfix"),
    ).rejects.toMatchObject({
      code: "E_USAGE",
      message: expect.stringMatching(/alice@test may not approve/),
    });
    expect(await queryEntries(store, { kind: "data.approve.refused" })).toHaveLength(1);
    const nobody = context("admin@test", (c) => {
      c.data.approvers = [];
    });
    await expect(approveSnapshot(nobody, second.record, "x")).rejects.toMatchObject({
      hint: expect.stringMatching(/data\.approvers is empty/),
    });
    const admin = context("admin@test");
    const approved = await approveSnapshot(admin, second.record, "needed for the hotfix");
    expect(approved).toMatchObject({ outcome: "changed", from: "quarantined", to: "approved" });
    expect(approved.record).toMatchObject({
      statusChangedBy: "admin@test",
      statusReason: "needed for the hotfix",
    });
    expect(await vetting.isVetted(second.record.id)).toBe("vetted");
    const again = await approveSnapshot(admin, approved.record, "again");
    expect(again.outcome).toBe("unchanged");
    expect(await queryEntries(store, { kind: "data.approve" })).toHaveLength(1);
    expect((await verifyLedger(store, ledgerKey)).ok).toBe(true);
  });

  it("resolves unique prefixes; refuses short, non-hex and ambiguous ones", async () => {
    const ctx = context();
    const { record } = await createSnapshot(ctx, {
      paths: files(),
      dataset: "transactions",
      source: "bank",
      signer,
    });
    expect((await findSnapshot(store, record.id.slice(0, 8)))?.id).toBe(record.id);
    expect(await findSnapshot(store, "0".repeat(64))).toBeUndefined();
    await expect(findSnapshot(store, record.id.slice(0, 7))).rejects.toMatchObject({
      code: "E_USAGE",
    });
    await expect(findSnapshot(store, "not-an-id")).rejects.toMatchObject({ code: "E_USAGE" });
    await insertSnapshot(store.db, { ...record, id: `abcdef01${"1".repeat(56)}` });
    await insertSnapshot(store.db, { ...record, id: `abcdef01${"2".repeat(56)}` });
    await expect(findSnapshot(store, "abcdef01")).rejects.toMatchObject({
      code: "E_USAGE",
      message: expect.stringMatching(/ambiguous/),
    });
    expect((await findSnapshot(store, `abcdef01${"2".repeat(8)}`))?.id).toBe(
      `abcdef01${"2".repeat(56)}`,
    );
  });
});
