import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

/** A pass-through stream that hashes (SHA-256) and counts what flows through it. */
export interface HashingTap {
  stream: Transform;
  /** `sha256:<hex>`; call once, after the stream has ended. */
  digest(): string;
  size(): number;
}

export function hashingTap(): HashingTap {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, callback: TransformCallback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  return { stream, digest: () => `sha256:${hash.digest("hex")}`, size: () => size };
}
