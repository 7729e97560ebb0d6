import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, expect, it, onTestFinished } from "vitest";
import { describeEachDatabase, freshDatabase, type TestDatabase } from "../../../test/databases.js";
import type { AppenderArgs } from "../../../test/fixtures/ledgerAppender.js";
import { TSX_LOADER } from "../../../test/services.js";
import {
  canonicalize,
  type Ed25519KeyPair,
  generateEd25519,
  RampartError,
  writeKeyPair,
} from "../../core/index.js";
import type { Store } from "../database.js";
import { entryPreimage } from "./entry.js";
import {
  type LedgerEntryInput,
  LedgerWriter,
  queryEntries,
  readEntries,
  verifyLedger,
} from "./index.js";

const APPENDER = join(import.meta.dirname, "../../../test/fixtures/ledgerAppender.ts");

function entries(n: number, from = 0): LedgerEntryInput[] {
  return Array.from({ length: n }, (_, i) => ({
    actor: "alice",
    kind: "test.event",
    asset: { kind: "model" as const, id: "fraud", version: String((from + i) % 3) },
    payload: { i: from + i, note: "ünïcode ✓", nested: { b: 2, a: [1, "x", null] } },
  }));
}

it("entryPreimage is exactly the RFC 8785 canonical JSON of the entry", () => {
  const entry = {
    seq: 7,
    time: "2026-11-26T00:00:00.000Z",
    actor: 'eve "the" \u2028 admin',
    kind: "model.promote",
    asset: { kind: "model" as const, id: "fraud", version: "3" },
    payload: canonicalize({ z: 1, a: [1e21, 0.1, "\u0000"] }),
    prev_hash: "ab".repeat(32),
  };
  const { payload, ...rest } = entry;
  expect(entryPreimage(entry)).toBe(canonicalize({ ...rest, payload: JSON.parse(payload) }));
  const noAsset = { ...entry, asset: null };
  expect(entryPreimage(noAsset)).toBe(
    canonicalize({ ...rest, asset: null, payload: JSON.parse(payload) }),
  );
});

describeEachDatabase("ledger", (dialect) => {
  let db: TestDatabase;
  let store: Store;
  let key: Ed25519KeyPair;
  let keyDir: string;
  let keyFile: string;

  beforeEach(async () => {
    db = await freshDatabase(dialect);
    store = await db.open();
    key = generateEd25519();
    keyDir = mkdtempSync(join(tmpdir(), "rampart-key-"));
    keyFile = join(keyDir, "ledger.pem");
    writeKeyPair(keyFile, key);
  });
  afterEach(async () => {
    await store.close();
    await db.cleanup();
    rmSync(keyDir, { recursive: true, force: true });
  });

  const writer = (everyEntries = 10, now?: () => Date): LedgerWriter =>
    new LedgerWriter(store, {
      signer: key,
      checkpoint: { everyEntries, everySeconds: 3600 },
      ...(now === undefined ? {} : { now }),
    });
  const verify = () => verifyLedger(store, { publicKey: key.publicKey, keyId: key.keyId });
  const exec = (query: ReturnType<typeof sql>) => query.execute(store.db);

  it("chains appends and verifies clean, with a checkpoint every N entries", async () => {
    const w = writer(10);
    const first = await w.append(entries(25));
    expect(first.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    await w.appendOne({ actor: "bob", kind: "test.single", payload: { ok: true } });
    const result = await verify();
    expect(result).toMatchObject({ ok: true, entries: 26, firstBadSeq: null, problems: [] });
    // Sealed at every 10th entry; 21..26 wait for the 30th entry, the timer, or close().
    const cps = await store.db
      .selectFrom("ledger_checkpoints")
      .select("seq")
      .orderBy("n")
      .execute();
    expect(cps.map((c) => Number(c.seq))).toEqual([10, 20]);
    expect(result.unsealed).toBe(6);
    await w.close();
    expect((await verify()).unsealed).toBe(0);
  });

  it("seals the very first append at once, however small", async () => {
    const w = writer(10);
    await w.append(entries(3));
    const cps = await store.db.selectFrom("ledger_checkpoints").select("seq").execute();
    expect(cps.map((c) => Number(c.seq))).toEqual([3]);
    await w.close();
  });

  it("group-commits concurrent appends into one contiguous, ordered chain", async () => {
    const w = writer(1000);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, k) => w.append(entries(3, k * 3))),
    );
    // Each caller's entries are contiguous and in its own order.
    for (const r of results) {
      expect(r.map((e) => e.seq)).toEqual([r[0]!.seq, r[0]!.seq + 1, r[0]!.seq + 2]);
    }
    expect(new Set(results.flat().map((e) => e.seq)).size).toBe(150);
    expect((await verify()).ok).toBe(true);
    await w.close();
  });

  it("signs a checkpoint when the time interval has passed", async () => {
    let clock = Date.parse("2026-01-01T00:00:00Z");
    const w = new LedgerWriter(store, {
      signer: key,
      checkpoint: { everyEntries: 1000, everySeconds: 60 },
      now: () => new Date(clock),
    });
    await w.append(entries(3)); // first append: sealed
    clock += 30_000;
    await w.append(entries(3));
    clock += 31_000;
    await w.append(entries(3));
    const cps = await store.db
      .selectFrom("ledger_checkpoints")
      .select("seq")
      .orderBy("n")
      .execute();
    expect(cps.map((c) => Number(c.seq))).toEqual([3, 9]);
    await w.close();
  });

  it("refuses a payload that is not canonical JSON without harming other appends", async () => {
    const w = writer();
    const bad = w.append([{ actor: "a", kind: "test.bad", payload: { x: Number.NaN } }]);
    const good = w.append(entries(2));
    await expect(bad).rejects.toBeInstanceOf(RampartError);
    expect((await good).map((e) => e.seq)).toEqual([1, 2]);
    await expect(w.append([{ actor: "", kind: "x", payload: 1 }])).rejects.toThrow(/actor/);
    await w.close();
  });

  it("appendWithin commits with the caller's transaction, and rolls back with it", async () => {
    const w = writer(10);
    await w.append(entries(3));
    await store.db.transaction().execute(async (trx) => {
      const [e] = await w.appendWithin(trx, [
        { actor: "bob", kind: "model.promote", payload: { to: "production" } },
      ]);
      expect(e?.seq).toBe(4);
    });
    await expect(
      store.db.transaction().execute(async (trx) => {
        await w.appendWithin(trx, [
          { actor: "mallory", kind: "model.promote", payload: { to: "production" } },
        ]);
        throw new Error("the state change failed");
      }),
    ).rejects.toThrow("the state change failed");
    const rows = await store.db
      .selectFrom("ledger_entries")
      .select(["seq", "actor"])
      .orderBy("seq")
      .execute();
    expect(rows.map((r) => `${Number(r.seq)}:${r.actor}`)).toEqual([
      "1:alice",
      "2:alice",
      "3:alice",
      "4:bob",
    ]);
    // The queue and in-transaction appends share one chain.
    await w.append(entries(2));
    await w.close();
    expect(await verify()).toMatchObject({ ok: true, entries: 6 });
  });

  it("finds an edited payload and names its seq", async () => {
    const w = writer(10);
    await w.append(entries(30));
    await w.close();
    await exec(sql`update ledger_entries set payload = ${'{"i":999}'} where seq = 17`);
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.firstBadSeq).toBe(17);
    expect(result.problems[0]).toMatchObject({ kind: "entry-edited", seq: 17 });
  });

  it("finds an edit whose hashes were recomputed, through the signed checkpoint", async () => {
    const w = writer(10);
    await w.append(entries(30));
    await w.close();
    // The attacker rewrites entry 14 and re-chains everything after it, without the key.
    const all: Awaited<ReturnType<typeof queryEntries>> = [];
    for await (const e of readEntries(store)) all.push(e);
    const { entryHash } = await import("./entry.js");
    let prev = all[12]!.hash;
    for (const e of all.slice(13)) {
      const changed = { ...e, prev_hash: prev, payload: e.seq === 14 ? '{"i":-1}' : e.payload };
      const hash = entryHash(changed);
      await exec(
        sql`update ledger_entries set payload = ${changed.payload}, prev_hash = ${prev}, hash = ${hash} where seq = ${e.seq}`,
      );
      prev = hash;
    }
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatchObject({ kind: "entries-rewritten", seq: 11 });
    expect(result.problems[0]?.message).toMatch(/11\.\.20/);
  });

  it("finds a deleted entry", async () => {
    const w = writer(10);
    await w.append(entries(30));
    await w.close();
    await exec(sql`delete from ledger_entries where seq = 12`);
    const result = await verify();
    expect(result).toMatchObject({ ok: false, firstBadSeq: 12 });
    expect(result.problems[0]?.kind).toBe("entry-missing");
  });

  it("finds entries deleted from the end", async () => {
    const w = writer(10);
    await w.append(entries(30));
    await w.close();
    await exec(sql`delete from ledger_entries where seq > 27`);
    const result = await verify();
    expect(result).toMatchObject({ ok: false, firstBadSeq: 28 });
    expect(result.problems.map((p) => p.kind)).toContain("entries-truncated");
  });

  it("finds an inserted entry and names it", async () => {
    const w = writer(10);
    await w.append(entries(30));
    await w.close();
    // Shift 15.. up by one (descending, so the primary key never collides) and insert a
    // well-formed, correctly hashed forgery at 15 that chains to 14.
    for (let seq = 30; seq >= 15; seq--) {
      await exec(sql`update ledger_entries set seq = ${seq + 1} where seq = ${seq}`);
    }
    const e14 = (await queryEntries(store, {})).find((e) => e.seq === 14)!;
    const { entryHash } = await import("./entry.js");
    const forged = {
      seq: 15,
      time: e14.time,
      actor: "mallory",
      kind: "model.promote",
      asset: null,
      payload: '{"approved":true}',
      prev_hash: e14.hash,
    };
    await exec(
      sql`insert into ledger_entries (seq, time, actor, kind, payload, prev_hash, hash) values (15, ${forged.time}, ${forged.actor}, ${forged.kind}, ${forged.payload}, ${forged.prev_hash}, ${entryHash(forged)})`,
    );
    const result = await verify();
    expect(result).toMatchObject({ ok: false, firstBadSeq: 15 });
    expect(result.problems[0]).toMatchObject({ kind: "entry-inserted", seq: 15 });
  });

  it("finds two reordered entries", async () => {
    const w = writer(10);
    await w.append(entries(30));
    await w.close();
    await exec(sql`update ledger_entries set seq = -1 where seq = 22`);
    await exec(sql`update ledger_entries set seq = 22 where seq = 23`);
    await exec(sql`update ledger_entries set seq = 23 where seq = -1`);
    const result = await verify();
    expect(result).toMatchObject({ ok: false, firstBadSeq: 22 });
  });

  it("finds a forged checkpoint signature and a checkpoint from another key", async () => {
    const w = writer(10);
    await w.append(entries(30));
    await w.close();
    const other = generateEd25519();
    const { sealCheckpoint } = await import("./checkpoint.js");
    const cps = await store.db
      .selectFrom("ledger_checkpoints")
      .selectAll()
      .where("n", "=", 2)
      .execute();
    const cp2 = cps[0]!;
    const resigned = sealCheckpoint(
      {
        v: 1,
        n: 2,
        seq: Number(cp2.seq),
        entry_hash: cp2.entry_hash,
        time: cp2.time,
        key_id: key.keyId,
        every_entries: 10,
        prev_hash: cp2.prev_hash,
      },
      other.privateKey,
    );
    await exec(sql`update ledger_checkpoints set signature = ${resigned.signature} where n = 2`);
    let result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatchObject({ kind: "checkpoint-forged", checkpoint: 2, seq: 11 });

    await exec(
      sql`update ledger_checkpoints set signature = ${cp2.signature}, key_id = ${other.keyId} where n = 2`,
    );
    result = await verify();
    expect(result.problems[0]).toMatchObject({ kind: "checkpoint-unknown-key", checkpoint: 2 });
  });

  it("finds a deleted checkpoint", async () => {
    const w = writer(10);
    await w.append(entries(35));
    await w.close();
    await exec(sql`delete from ledger_checkpoints where n = 2`);
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.kind)).toContain("checkpoint-missing");
    expect(result.firstBadSeq).toBe(11);
  });

  it("finds the last checkpoint deleted when the tail outgrows its interval", async () => {
    const w = writer(10);
    await w.append(entries(20));
    await w.close();
    await exec(
      sql`delete from ledger_checkpoints where n = (select max(n) from ledger_checkpoints)`,
    );
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems[0]?.kind).toBe("checkpoint-missing");
  });

  it("two processes creating and appending to a new database at once never fork the chain", async () => {
    // A database nobody has opened yet: the children also race to create and migrate it.
    const fresh = await freshDatabase(dialect);
    const args = (label: string): AppenderArgs => ({
      store: fresh.options,
      keyFile,
      batches: 300,
      batchSize: 0,
      label,
      everyEntries: 50,
      waitForGo: true,
      pauseMs: 2,
    });
    const [a, b] = await runTogether([args("proc-a"), args("proc-b")]);
    expect(a?.code).toBe(0);
    expect(b?.code).toBe(0);
    const expected = (a?.acked ?? 0) + (b?.acked ?? 0);
    await store.close();
    store = await fresh.open();
    onTestFinished(() => fresh.cleanup());
    const result = await verify();
    expect(result).toMatchObject({ ok: true, entries: expected, problems: [] });
    // The writers really did interleave: the chain switches between them many times.
    const rows = await store.db
      .selectFrom("ledger_entries")
      .select("actor")
      .orderBy("seq")
      .execute();
    let switches = 0;
    for (let i = 1; i < rows.length; i++) if (rows[i]!.actor !== rows[i - 1]!.actor) switches++;
    expect(switches, "the two writers should interleave").toBeGreaterThan(10);
  });

  it("a SIGKILL in the middle of heavy appends loses no acknowledged entry", async () => {
    const child = spawnAppender({
      store: db.options,
      keyFile,
      batches: 1_000_000,
      batchSize: 50,
      label: "victim",
      everyEntries: 500,
    });
    const acked = await new Promise<number>((resolve, reject) => {
      let last = 0;
      let buffer = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        for (const line of lines) last = Number(line.split(" ")[2]);
        if (last >= 5_000 && !child.killed) child.kill("SIGKILL");
      });
      child.on("exit", (_code, signal) =>
        signal === "SIGKILL"
          ? resolve(last)
          : reject(new Error(`appender exited without being killed`)),
      );
    });
    await store.close();
    store = await db.open(); // reopen, as after a crash
    const result = await verify();
    expect(result.ok).toBe(true);
    expect(result.entries).toBeGreaterThanOrEqual(acked);
    expect(result.head?.seq).toBeGreaterThanOrEqual(acked);
  });
});

function spawnAppender(args: AppenderArgs): ChildProcess {
  return spawn(process.execPath, ["--import", TSX_LOADER, APPENDER, JSON.stringify(args)], {
    stdio: [args.waitForGo ? "pipe" : "ignore", "pipe", "inherit"],
  });
}

/** Starts every appender, waits until all are connected, then lets them go at once. */
async function runTogether(all: AppenderArgs[]): Promise<{ code: number | null; acked: number }[]> {
  const children = all.map(spawnAppender);
  const results = children.map((child) => {
    let acked = 0;
    let buffer = "";
    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "ready") markReady();
        const [word, first, last] = line.split(" ");
        if (word === "ack") acked += Number(last) - Number(first) + 1;
      }
    });
    const exit = new Promise<{ code: number | null; acked: number }>((resolve) =>
      child.on("exit", (code) => {
        markReady();
        resolve({ code, acked });
      }),
    );
    return { ready, exit };
  });
  await Promise.all(results.map((r) => r.ready));
  for (const child of children) child.stdin?.write("go\n");
  return Promise.all(results.map((r) => r.exit));
}
