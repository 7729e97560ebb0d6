import type { Kysely } from "kysely";
import { canonicalize, RampartError } from "../../core/index.js";
import type { Dialect, Store } from "../database.js";
import type { Tables } from "../tables.js";
import type { Checkpoint } from "./checkpoint.js";
import type { LedgerDriver } from "./driver.js";
import { type LedgerEntry, type LedgerEntryInput, preimageHead } from "./entry.js";
import {
  type CheckpointPolicy,
  type Planned,
  type PreparedEntry,
  planAppend,
  planCheckpoint,
  type Signer,
} from "./plan.js";
import { postgresLedgerDriver } from "./postgresDriver.js";
import { sqliteLedgerDriver } from "./sqliteDriver.js";
import { appendInTransaction } from "./transactionDriver.js";

export interface LedgerWriterOptions {
  signer: Signer;
  checkpoint: CheckpointPolicy;
  /** Largest number of entries one transaction carries when queued batches are merged. */
  maxGroup?: number;
  now?: () => Date;
}

interface Pending {
  entries: PreparedEntry[];
  resolve: (entries: LedgerEntry[]) => void;
  reject: (error: unknown) => void;
}

/**
 * The append side of the ledger. Appends are queued and the queue is written in as few
 * transactions as possible (group commit): every `append` that arrives while a transaction
 * is in flight rides in the next one. A promise resolves only after its transaction commits,
 * so an entry whose append returned survives a crash of the process.
 */
export class LedgerWriter {
  private readonly driver: LedgerDriver;
  private readonly dialect: Dialect;
  private readonly options: Required<LedgerWriterOptions>;
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(store: Store, options: LedgerWriterOptions) {
    this.dialect = store.dialect;
    this.driver =
      store.raw.dialect === "sqlite"
        ? sqliteLedgerDriver(store.raw.sqlite)
        : postgresLedgerDriver(store.raw.pool);
    this.options = { maxGroup: 10_000, now: () => new Date(), ...options };
    // Seal quiet periods too: without this a burst followed by silence would stay unsigned.
    this.timer = setInterval(
      () => void this.checkpoint().catch(() => {}),
      this.options.checkpoint.everySeconds * 1000,
    );
    this.timer.unref();
  }

  /** Appends entries in order; they land contiguously, in one transaction. */
  append(inputs: readonly LedgerEntryInput[]): Promise<LedgerEntry[]> {
    if (this.closed) {
      return Promise.reject(new RampartError("E_LEDGER", "the ledger writer is closed"));
    }
    let prepared: PreparedEntry[];
    try {
      // Canonicalise before queueing: a bad payload fails its own caller, never the group.
      prepared = inputs.map(prepare);
    } catch (error) {
      return Promise.reject(error);
    }
    if (prepared.length === 0) return Promise.resolve([]);
    return new Promise<LedgerEntry[]>((resolve, reject) => {
      this.queue.push({ entries: prepared, resolve, reject });
      this.kick();
    });
  }

  /**
   * Appends inside the caller's open transaction, so that a state change and the entry that
   * records it commit together or not at all. Bypasses the group-commit queue.
   */
  async appendWithin(
    trx: Kysely<Tables>,
    inputs: readonly LedgerEntryInput[],
  ): Promise<LedgerEntry[]> {
    if (this.closed) throw new RampartError("E_LEDGER", "the ledger writer is closed");
    const prepared = inputs.map(prepare);
    if (prepared.length === 0) return [];
    const planned = await appendInTransaction(trx, this.dialect, (state) =>
      planAppend(state, prepared, this.options.checkpoint, this.options.signer, this.options.now()),
    );
    return planned.entries;
  }

  async appendOne(input: LedgerEntryInput): Promise<LedgerEntry> {
    const [entry] = await this.append([input]);
    return entry as LedgerEntry;
  }

  /** Signs a checkpoint on the head now, if it moved since the last one. */
  async checkpoint(): Promise<Checkpoint | undefined> {
    await this.drain();
    const planned = await this.driver.transact((state) =>
      planCheckpoint(state, this.options.checkpoint, this.options.signer, this.options.now()),
    );
    return planned.checkpoints[0];
  }

  /** Writes what is queued, seals the head, and stops the timer. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.checkpoint();
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private kick(): void {
    if (this.flushing === null) this.flushing = this.flushLoop();
  }

  private async drain(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.takeGroup();
        const inputs = group.flatMap((p) => p.entries);
        let planned: Planned;
        try {
          planned = await this.driver.transact((state) =>
            planAppend(
              state,
              inputs,
              this.options.checkpoint,
              this.options.signer,
              this.options.now(),
            ),
          );
        } catch (cause) {
          const error = new RampartError(
            "E_LEDGER",
            "the ledger append failed; nothing was written",
            {
              hint: "check that the database is reachable and writable, then retry",
              cause,
            },
          );
          for (const p of group) p.reject(error);
          continue;
        }
        let offset = 0;
        for (const p of group) {
          p.resolve(planned.entries.slice(offset, offset + p.entries.length));
          offset += p.entries.length;
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  private takeGroup(): Pending[] {
    const group: Pending[] = [];
    let size = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0] as Pending;
      if (group.length > 0 && size + next.entries.length > this.options.maxGroup) break;
      group.push(next);
      size += next.entries.length;
      this.queue.shift();
    }
    return group;
  }
}

const KIND = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/i;

function prepare(input: LedgerEntryInput): PreparedEntry {
  if (typeof input.actor !== "string" || input.actor.length === 0) {
    throw new RampartError("E_USAGE", "a ledger entry needs a non-empty actor");
  }
  if (typeof input.kind !== "string" || !KIND.test(input.kind)) {
    throw new RampartError("E_USAGE", `invalid ledger entry kind "${String(input.kind)}"`, {
      hint: "use a dotted name such as model.promote or dataset.snapshot",
    });
  }
  const asset = input.asset ?? null;
  const payload = canonicalize(input.payload ?? null);
  return {
    actor: input.actor,
    kind: input.kind,
    asset,
    payload,
    head: preimageHead(input.actor, input.kind, asset, payload),
  };
}
