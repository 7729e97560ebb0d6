import type { KeyObject } from "node:crypto";
import { canonicalBytes, sha256Hex, signEd25519, verifyEd25519 } from "../../core/index.js";

/**
 * A signed checkpoint seals the chain up to one entry: whoever can rewrite the database but
 * does not hold the ledger key can no longer rewrite history and recompute the hashes
 * unnoticed. Checkpoints chain to each other, so deleting one breaks the next.
 */
export interface CheckpointBody {
  v: 1;
  n: number;
  seq: number;
  entry_hash: string;
  time: string;
  key_id: string;
  every_entries: number;
  prev_hash: string;
}

export interface Checkpoint extends CheckpointBody {
  hash: string;
  signature: string;
}

export function sealCheckpoint(body: CheckpointBody, privateKey: KeyObject): Checkpoint {
  const bytes = canonicalBytes(body);
  return { ...body, hash: sha256Hex(bytes), signature: signEd25519(privateKey, bytes) };
}

export function checkpointBody(cp: Omit<Checkpoint, "v"> & { v?: 1 }): CheckpointBody {
  return {
    v: 1,
    n: cp.n,
    seq: cp.seq,
    entry_hash: cp.entry_hash,
    time: cp.time,
    key_id: cp.key_id,
    every_entries: cp.every_entries,
    prev_hash: cp.prev_hash,
  };
}

export type CheckpointCheck = "ok" | "hash" | "signature";

export function checkCheckpoint(cp: Checkpoint, publicKey: KeyObject): CheckpointCheck {
  const bytes = canonicalBytes(checkpointBody(cp));
  if (sha256Hex(bytes) !== cp.hash) return "hash";
  return verifyEd25519(publicKey, bytes, cp.signature) ? "ok" : "signature";
}
