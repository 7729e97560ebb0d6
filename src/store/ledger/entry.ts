import { hash } from "node:crypto";
import { type AssetRef, canonicalString } from "../../core/index.js";

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

/*
 * The hash covers the RFC 8785 canonical JSON of the entry without its hash. Its keys sort as
 * actor, asset, kind, payload, prev_hash, seq, time: everything up to prev_hash is known
 * before the write lock is taken (the "head"), the rest only inside it (the "tail"). Building
 * the string from the two parts, with the payload already canonical, keeps the locked part of
 * an append to a few concatenations and one SHA-256; a test holds the result equal to
 * `canonicalize()` of the whole entry.
 */

export function preimageHead(
  actor: string,
  kind: string,
  asset: AssetRef | null,
  payload: string,
): string {
  const assetJson =
    asset === null
      ? "null"
      : `{"id":${canonicalString(asset.id)},"kind":${canonicalString(asset.kind)}${
          asset.version === undefined ? "" : `,"version":${canonicalString(asset.version)}`
        }}`;
  return `{"actor":${canonicalString(actor)},"asset":${assetJson},"kind":${canonicalString(kind)},"payload":${payload},"prev_hash":`;
}

export function preimage(head: string, prevHash: string, seq: number, time: string): string {
  return `${head}${canonicalString(prevHash)},"seq":${seq},"time":${canonicalString(time)}}`;
}

export function entryPreimage(entry: UnhashedEntry): string {
  return preimage(
    preimageHead(entry.actor, entry.kind, entry.asset, entry.payload),
    entry.prev_hash,
    entry.seq,
    entry.time,
  );
}

export function sha256OfPreimage(text: string): string {
  // One-shot crypto.hash is about three times faster than createHash for short inputs.
  return hash("sha256", text, "hex");
}

export function entryHash(entry: UnhashedEntry): string {
  return sha256OfPreimage(entryPreimage(entry));
}
