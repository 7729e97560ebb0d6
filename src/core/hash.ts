import { createHash } from "node:crypto";

export const SHA256_HEX_LENGTH = 64;
/** The prev_hash of the first entry of a hash chain. */
export const ZERO_HASH = "0".repeat(SHA256_HEX_LENGTH);

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function isSha256Hex(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{64}$/.test(value);
}
