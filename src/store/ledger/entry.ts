import { createHash } from "node:crypto";
import type { AssetRef } from "../../core/index.js";

/** What a caller appends. */
export interface LedgerEntryInput {
  /** Who did it: a user, a service account, `rampart` itself. */
  actor: string;
  /** Dotted event kind: `rampart.init`, `model.promote`, `prediction.served`. */
  kind: string;
  asset?: AssetRef;
  payload: unknown;
}

/** A stored entry. `hash = SHA-256(canonical JSON of every other field)`. */
export interface LedgerEntry {
  seq: number;
  time: string;
  actor: string;
  kind: string;
  asset: AssetRef | null;
  /** Canonical JSON text of the payload: the exact bytes the hash covers. */
  payload: string;
  prev_hash: string;
  hash: string;
}

export type UnhashedEntry = Omit<LedgerEntry, "hash">;

/**
 * The canonical JSON (RFC 8785) of an entry without its hash: keys in code-unit order, and
 * the payload, already canonical, spliced in as is. Building the string directly avoids
 * canonicalising the payload twice on the append path; a test holds it equal to
 * `canonicalize()` of the same object.
 */
export function entryPreimage(entry: UnhashedEntry): string {
  const asset =
    entry.asset === null
      ? "null"
      : entry.asset.version === undefined
        ? `{"id":${JSON.stringify(entry.asset.id)},"kind":${JSON.stringify(entry.asset.kind)}}`
        : `{"id":${JSON.stringify(entry.asset.id)},"kind":${JSON.stringify(entry.asset.kind)},"version":${JSON.stringify(entry.asset.version)}}`;
  return (
    `{"actor":${JSON.stringify(entry.actor)},"asset":${asset},"kind":${JSON.stringify(entry.kind)}` +
    `,"payload":${entry.payload},"prev_hash":${JSON.stringify(entry.prev_hash)}` +
    `,"seq":${entry.seq},"time":${JSON.stringify(entry.time)}}`
  );
}

export function entryHash(entry: UnhashedEntry): string {
  return createHash("sha256").update(entryPreimage(entry)).digest("hex");
}
