import type { KeyObject } from "node:crypto";
import { ZERO_HASH } from "../../core/index.js";
import type { Store } from "../database.js";
import { type Checkpoint, checkCheckpoint } from "./checkpoint.js";
import { entryHash } from "./entry.js";
import { readCheckpoints, readEntries } from "./reader.js";

export type LedgerProblemKind =
  | "entry-edited"
  | "entry-missing"
  | "entry-inserted"
  | "chain-broken"
  | "entries-rewritten"
  | "entries-truncated"
  | "checkpoint-forged"
  | "checkpoint-unknown-key"
  | "checkpoint-missing"
  | "checkpoint-chain-broken";

export interface LedgerProblem {
  kind: LedgerProblemKind;
  /** The first entry this problem makes untrustworthy. */
  seq: number;
  /** The checkpoint involved, when there is one. */
  checkpoint?: number;
  message: string;
}

export interface LedgerVerification {
  ok: boolean;
  entries: number;
  checkpoints: number;
  /** Entries after the last checkpoint: chained, but not yet under a signature. */
  unsealed: number;
  head: { seq: number; hash: string } | null;
  firstBadSeq: number | null;
  problems: LedgerProblem[];
}

export interface VerifyOptions {
  publicKey: KeyObject;
  keyId: string;
  /** Stop collecting after this many problems (the first is what matters). */
  maxProblems?: number;
}

/** How far back a broken link is traced to tell an insertion from an edit. */
const RECENT_WINDOW = 4_096;

/**
 * Walks the whole ledger once, in seq order and bounded memory, and checks:
 * every entry's hash against its content; every prev_hash against the entry before it;
 * seq numbers 1, 2, 3 … with no gap; every checkpoint's signature (by the trusted key),
 * its link to the previous checkpoint, the entry hash it seals, and that no gap between
 * checkpoints exceeds the interval the earlier one signed.
 */
export async function verifyLedger(
  store: Store,
  options: VerifyOptions,
): Promise<LedgerVerification> {
  const max = options.maxProblems ?? 100;
  const problems: LedgerProblem[] = [];
  const report = (p: LedgerProblem): void => {
    if (problems.length < max) problems.push(p);
  };

  const checkpoints = await readCheckpoints(store);
  const bySeq = new Map<number, Checkpoint>();
  let previous: Checkpoint | null = null;
  for (const cp of checkpoints) {
    if (cp.key_id !== options.keyId) {
      report({
        kind: "checkpoint-unknown-key",
        seq: (previous?.seq ?? 0) + 1,
        checkpoint: cp.n,
        message: `checkpoint ${cp.n} claims key ${cp.key_id.slice(0, 16)}…, not the trusted ledger key ${options.keyId.slice(0, 16)}…`,
      });
    } else {
      const check = checkCheckpoint(cp, options.publicKey);
      if (check !== "ok") {
        report({
          kind: "checkpoint-forged",
          seq: (previous?.seq ?? 0) + 1,
          checkpoint: cp.n,
          message: `checkpoint ${cp.n} (seq ${cp.seq}) has a ${check === "hash" ? "hash that does not match its content" : "signature that does not verify"}`,
        });
      }
    }
    const expectedN = (previous?.n ?? 0) + 1;
    if (cp.n !== expectedN || cp.prev_hash !== (previous?.hash ?? ZERO_HASH)) {
      report({
        kind: cp.n !== expectedN ? "checkpoint-missing" : "checkpoint-chain-broken",
        seq: (previous?.seq ?? 0) + 1,
        checkpoint: cp.n,
        message:
          cp.n !== expectedN
            ? `checkpoint ${expectedN} is missing (found ${cp.n} after ${previous?.n ?? "the start"})`
            : `checkpoint ${cp.n} does not chain to checkpoint ${previous?.n ?? "(none)"}`,
      });
    }
    if (previous !== null && cp.seq - previous.seq > previous.every_entries) {
      report({
        kind: "checkpoint-missing",
        seq: previous.seq + 1,
        checkpoint: cp.n,
        message: `${cp.seq - previous.seq} entries between checkpoints ${previous.n} and ${cp.n}, more than the ${previous.every_entries} that checkpoint ${previous.n} allows: a checkpoint was removed`,
      });
    }
    bySeq.set(cp.seq, cp);
    previous = cp;
  }

  let count = 0;
  let prevSeq = 0;
  let prevHash = ZERO_HASH;
  let lastGoodCheckpointSeq = 0;
  // An entry-level problem already explains a checkpoint mismatch that follows it.
  let explained = false;
  const recent = new Map<string, number>();
  for await (const entry of readEntries(store)) {
    count++;
    const before = problems.length;
    const expected = prevSeq + 1;
    if (entry.seq !== expected) {
      report({
        kind: "entry-missing",
        seq: expected,
        message:
          entry.seq > expected
            ? `entries ${expected}..${entry.seq - 1} are missing (deleted)`
            : `entry ${entry.seq} appears out of order after ${prevSeq}`,
      });
    } else if (entry.prev_hash !== prevHash) {
      const pointsTo = recent.get(entry.prev_hash);
      if (pointsTo !== undefined && pointsTo < prevSeq) {
        report({
          kind: "entry-inserted",
          seq: pointsTo + 1,
          message: `entries ${pointsTo + 1}..${prevSeq} were inserted: entry ${entry.seq} chains to entry ${pointsTo}`,
        });
      } else {
        report({
          kind: "chain-broken",
          seq: entry.seq,
          message: `entry ${entry.seq} does not chain to entry ${prevSeq} (prev_hash differs)`,
        });
      }
    }
    if (entryHash(entry) !== entry.hash) {
      report({
        kind: "entry-edited",
        seq: entry.seq,
        message: `entry ${entry.seq} (${entry.kind}) was changed after it was written: its content no longer matches its hash`,
      });
    }
    if (problems.length > before) explained = true;
    const cp = bySeq.get(entry.seq);
    if (cp !== undefined) {
      if (cp.entry_hash !== entry.hash && !explained) {
        report({
          kind: "entries-rewritten",
          seq: lastGoodCheckpointSeq + 1,
          checkpoint: cp.n,
          message: `entry ${entry.seq} is not the one checkpoint ${cp.n} signed: entries ${lastGoodCheckpointSeq + 1}..${entry.seq} were rewritten`,
        });
      }
      lastGoodCheckpointSeq = entry.seq;
      explained = false;
    }
    recent.set(entry.hash, entry.seq);
    if (recent.size > RECENT_WINDOW) recent.delete(recent.keys().next().value as string);
    prevSeq = entry.seq;
    prevHash = entry.hash;
  }

  const last = checkpoints.at(-1);
  if (last !== undefined && last.seq > prevSeq) {
    report({
      kind: "entries-truncated",
      seq: prevSeq + 1,
      checkpoint: last.n,
      message: `checkpoint ${last.n} seals entry ${last.seq} but the ledger ends at ${prevSeq}: entries were deleted from the end`,
    });
  }
  if (count > 0 && checkpoints.length === 0) {
    report({
      kind: "checkpoint-missing",
      seq: 1,
      message: `${count} entries and no checkpoint: the checkpoints were deleted`,
    });
  }
  if (last !== undefined && prevSeq - last.seq >= last.every_entries) {
    report({
      kind: "checkpoint-missing",
      seq: last.seq + 1,
      checkpoint: last.n,
      message: `${prevSeq - last.seq} entries after the last checkpoint (${last.n}), which allows at most ${last.every_entries - 1}: a checkpoint was removed`,
    });
  }

  problems.sort((a, b) => a.seq - b.seq);
  return {
    ok: problems.length === 0,
    entries: count,
    checkpoints: checkpoints.length,
    unsealed: last === undefined ? count : Math.max(0, prevSeq - last.seq),
    head: count === 0 ? null : { seq: prevSeq, hash: prevHash },
    firstBadSeq: problems[0]?.seq ?? null,
    problems,
  };
}
