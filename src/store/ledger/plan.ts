import type { KeyObject } from "node:crypto";
import type { AssetRef } from "../../core/index.js";
import { ZERO_HASH } from "../../core/index.js";
import { type Checkpoint, sealCheckpoint } from "./checkpoint.js";
import { type LedgerEntry, preimage, sha256OfPreimage } from "./entry.js";

/** An input made canonical before the write lock is taken: its payload and preimage head. */
export interface PreparedEntry {
  actor: string;
  kind: string;
  asset: AssetRef | null;
  payload: string;
  head: string;
}

export interface ChainState {
  head: { seq: number; hash: string } | null;
  lastCheckpoint: Checkpoint | null;
}

export interface CheckpointPolicy {
  everyEntries: number;
  everySeconds: number;
}

export interface Signer {
  privateKey: KeyObject;
  keyId: string;
}

export interface Planned {
  entries: LedgerEntry[];
  checkpoints: Checkpoint[];
}

/**
 * Chains `inputs` onto `state` and decides which checkpoints to sign. Pure apart from the
 * signature, and run inside the database's write lock, so the state it sees is the truth.
 *
 * A checkpoint is sealed on the entry that makes the distance from the last one reach the
 * interval (so the verifier can hold every gap to that interval exactly), on the last entry
 * when the time interval has passed, and on the first entry ever written.
 */
export function planAppend(
  state: ChainState,
  inputs: readonly PreparedEntry[],
  policy: CheckpointPolicy,
  signer: Signer,
  now: Date,
): Planned {
  const time = now.toISOString();
  const entries: LedgerEntry[] = new Array(inputs.length);
  const checkpoints: Checkpoint[] = [];
  let seq = state.head?.seq ?? 0;
  let prev = state.head?.hash ?? ZERO_HASH;
  let last = state.lastCheckpoint;
  // After a policy change the old interval still binds the next checkpoint: the verifier
  // only knows the interval that the previous checkpoint signed.
  let limit = Math.min(policy.everyEntries, last?.every_entries ?? policy.everyEntries);

  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i] as PreparedEntry;
    seq += 1;
    const entry: LedgerEntry = {
      seq,
      time,
      actor: input.actor,
      kind: input.kind,
      asset: input.asset,
      payload: input.payload,
      prev_hash: prev,
      hash: sha256OfPreimage(preimage(input.head, prev, seq, time)),
    };
    entries[i] = entry;
    prev = entry.hash;
    if (seq - (last?.seq ?? 0) >= limit) {
      last = seal(last, entry, policy, signer, time);
      checkpoints.push(last);
      limit = policy.everyEntries;
    }
  }

  const tail = entries.at(-1);
  if (tail !== undefined && last?.seq !== tail.seq) {
    const due =
      last === null || now.getTime() - Date.parse(last.time) >= policy.everySeconds * 1000;
    if (due) checkpoints.push(seal(last, tail, policy, signer, time));
  }
  return { entries, checkpoints };
}

/** A checkpoint on the current head, if anything was appended since the last one. */
export function planCheckpoint(
  state: ChainState,
  policy: CheckpointPolicy,
  signer: Signer,
  now: Date,
): Planned {
  const head = state.head;
  if (head === null || state.lastCheckpoint?.seq === head.seq) {
    return { entries: [], checkpoints: [] };
  }
  const cp = seal(state.lastCheckpoint, head, policy, signer, now.toISOString());
  return { entries: [], checkpoints: [cp] };
}

function seal(
  previous: Checkpoint | null,
  entry: { seq: number; hash: string },
  policy: CheckpointPolicy,
  signer: Signer,
  time: string,
): Checkpoint {
  return sealCheckpoint(
    {
      v: 1,
      n: (previous?.n ?? 0) + 1,
      seq: entry.seq,
      entry_hash: entry.hash,
      time,
      key_id: signer.keyId,
      every_entries: policy.everyEntries,
      prev_hash: previous?.hash ?? ZERO_HASH,
    },
    signer.privateKey,
  );
}
