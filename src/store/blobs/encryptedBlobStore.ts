import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  type KeyObject,
  randomBytes,
} from "node:crypto";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { RampartError } from "../../core/index.js";
import type { BlobRef, BlobStore } from "./blobStore.js";
import { collect, drainVerifies } from "./drain.js";

/**
 * Encryption at rest for blobs: envelope encryption with AES-256-GCM (node:crypto only).
 *
 * Every blob gets a fresh random 256-bit data key (DEK); the DEK is wrapped with the
 * key-encryption key (KEK, from RAMPART_KEK_FILE) by AES-256-GCM and stored in the header.
 * The plaintext is cut into segments (1 MiB by default) and each is sealed on its own, as in
 * the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár, "Online
 * Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance" (CRYPTO 2015): segment i
 * uses the nonce `prefix ‖ be32(i) ‖ last`, where `last` is 1 only on the final segment.
 * Both values are also in the segment's associated data, together with the whole header.
 * So a changed byte fails that segment's tag, a swapped or repeated segment fails (wrong
 * index), a file cut at a segment boundary fails (no segment sealed as last), bytes appended
 * after the end fail (the old last segment is no longer last), and a header edited to
 * downgrade parameters fails (the header is in every tag). Memory stays at one segment
 * whatever the blob's size, and plaintext is only released segment by segment after its tag
 * checked; the stream as a whole is only known to be complete when it ends.
 *
 * Layout, version 1 (all integers big-endian):
 *
 *   offset  size  field
 *        0     7  magic "RAMPENC"
 *        7     1  format version = 1
 *        8     1  key wrap algorithm = 1 (AES-256-GCM)
 *        9     1  log2 of the plaintext segment size (20 = 1 MiB; 6..24 accepted)
 *       10     2  reserved, zero
 *       12     8  KEK id: SHA-256("rampart/kek-id@1" ‖ 0x00 ‖ KEK), first 8 bytes
 *       20     7  stream nonce prefix, random
 *       27     1  reserved, zero
 *       28    12  wrap nonce, random
 *       40    32  wrapped DEK: AES-256-GCM(KEK, wrap nonce, DEK, aad = bytes 0..27)
 *       72    16  wrap tag
 *       88     …  segments: ciphertext (segment size bytes, the last one 0..segment size)
 *                 followed by its 16-byte tag; aad = header (88 bytes) ‖ be32(i) ‖ last
 *
 * The stored (ciphertext) bytes go into the content-addressed BlobStore as any other blob,
 * so the store's own SHA-256 check still runs on every read; the tags are what make the
 * ciphertext unforgeable to whoever can write to the blob folder but lacks the KEK.
 */

export const DEFAULT_SEGMENT_BYTES = 1 << 20;
export const ENCRYPTED_HEADER_BYTES = 88;

const MAGIC = Buffer.from("RAMPENC", "latin1");
const FORMAT_VERSION = 1;
const WRAP_AES_256_GCM = 1;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const MIN_SEGMENT_LOG2 = 6;
const MAX_SEGMENT_LOG2 = 24;
const MAX_SEGMENTS = 0xffff_ffff;
const WRAP_AAD_BYTES = 28;

/** A key-encryption key: never printed, only its id. */
export interface Kek {
  /** 16 hex digits, safe to log and to compare with a blob's header. */
  readonly id: string;
  readonly key: KeyObject;
}

/** A stored encrypted blob: the digest and size of the ciphertext, and of the plaintext. */
export interface EncryptedBlobRef extends BlobRef {
  plaintext: BlobRef;
}

export interface EncryptOptions {
  /** Plaintext bytes per segment, a power of two from 64 B to 16 MiB (default 1 MiB). */
  segmentBytes?: number;
}

/** Builds a KEK from its 32 raw bytes. */
export function kekFromBytes(bytes: Uint8Array): Kek {
  if (bytes.length !== KEY_BYTES) {
    throw new RampartError("E_KEY", `a KEK is ${KEY_BYTES} bytes, not ${bytes.length}`, {
      hint: "make one with `openssl rand 32 > kek.bin` (or `openssl rand -hex 32`, `openssl rand -base64 32`)",
    });
  }
  const idBytes = createHash("sha256")
    .update("rampart/kek-id@1\u0000")
    .update(bytes)
    .digest()
    .subarray(0, 8);
  return { id: idBytes.toString("hex"), key: createSecretKey(Buffer.from(bytes)) };
}

/**
 * Reads a KEK file. Accepted forms, told apart by length: exactly 32 raw bytes; or text
 * (surrounding whitespace ignored) of 64 hex digits, or base64 / base64url of 32 bytes.
 * Anything else, including the text of a shorter key, is refused.
 */
export function loadKek(path: string): Kek {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new RampartError("E_KEY", `the key-encryption key file ${path} cannot be read`, {
      hint: "point RAMPART_KEK_FILE at a file holding 32 random bytes (raw, hex or base64)",
      cause,
    });
  }
  // 32 random bytes are all base64/hex characters with probability below 2^-80: such a file
  // is the text of a shorter key (`openssl rand -hex 16`), which must not pass as 256 bits.
  if (bytes.length === KEY_BYTES && !/^[A-Za-z0-9+/=_-]+$/.test(bytes.toString("latin1"))) {
    return kekFromBytes(bytes);
  }
  const text = bytes.toString("latin1").trim();
  let decoded: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(text)) decoded = Buffer.from(text, "hex");
  else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(text)) {
    decoded = Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  }
  if (decoded?.length !== KEY_BYTES) {
    throw new RampartError(
      "E_KEY",
      `${path} does not hold a 256-bit key (read ${bytes.length} bytes that are neither 32 raw bytes, 64 hex digits nor base64 of 32 bytes)`,
      {
        hint: "make one with `openssl rand 32 > kek.bin` (or `openssl rand -hex 32`, `openssl rand -base64 32`)",
      },
    );
  }
  return kekFromBytes(decoded);
}

/** True when the bytes start like a blob this module wrote. */
export function isEncryptedBlob(head: Uint8Array): boolean {
  return head.length >= MAGIC.length && Buffer.from(head.subarray(0, MAGIC.length)).equals(MAGIC);
}

/** Encrypts a byte stream; yields the header, then one sealed segment at a time. */
export async function* encryptChunks(
  source: AsyncIterable<Uint8Array>,
  kek: Kek,
  options: EncryptOptions = {},
): AsyncGenerator<Buffer> {
  const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  const log2 = Math.log2(segmentBytes);
  if (!Number.isInteger(log2) || log2 < MIN_SEGMENT_LOG2 || log2 > MAX_SEGMENT_LOG2) {
    throw new RampartError(
      "E_USAGE",
      `segment size ${segmentBytes} is not a power of two from 64 B to 16 MiB`,
    );
  }
  const dek = randomBytes(KEY_BYTES);
  const header = Buffer.alloc(ENCRYPTED_HEADER_BYTES);
  MAGIC.copy(header, 0);
  header[7] = FORMAT_VERSION;
  header[8] = WRAP_AES_256_GCM;
  header[9] = log2;
  Buffer.from(kek.id, "hex").copy(header, 12);
  randomBytes(7).copy(header, 20);
  const wrapNonce = randomBytes(12);
  wrapNonce.copy(header, 28);
  const wrap = createCipheriv("aes-256-gcm", kek.key, wrapNonce);
  wrap.setAAD(header.subarray(0, WRAP_AAD_BYTES));
  Buffer.concat([wrap.update(dek), wrap.final()]).copy(header, 40);
  wrap.getAuthTag().copy(header, 72);
  const dataKey = createSecretKey(dek);
  dek.fill(0);

  yield Buffer.from(header);
  const queue = new ByteQueue();
  let index = 0;
  for await (const chunk of source) {
    queue.push(chunk);
    // Only a segment known to be followed by more bytes can be sealed as "not last".
    while (queue.length > segmentBytes) {
      yield seal(dataKey, header, index, false, queue.take(segmentBytes));
      index = nextIndex(index);
    }
  }
  yield seal(dataKey, header, index, true, queue.take(queue.length));
}

/**
 * Decrypts what `encryptChunks` wrote; yields plaintext one authenticated segment at a time.
 * Throws E_BLOB_CORRUPT on any change, truncation, reordering or extension, and E_KEY when
 * the blob was encrypted under another KEK. `label` names the blob in messages.
 */
export async function* decryptChunks(
  source: AsyncIterable<Uint8Array>,
  kek: Kek,
  label = "blob",
): AsyncGenerator<Buffer> {
  const queue = new ByteQueue();
  let opened: { header: Buffer; dataKey: KeyObject; segmentBytes: number } | undefined;
  let index = 0;
  for await (const chunk of source) {
    queue.push(chunk);
    if (opened === undefined) {
      if (queue.length < ENCRYPTED_HEADER_BYTES) continue;
      opened = openHeader(queue.take(ENCRYPTED_HEADER_BYTES), kek, label);
    }
    const sealedBytes = opened.segmentBytes + TAG_BYTES;
    while (queue.length > sealedBytes) {
      yield open(opened.dataKey, opened.header, index, false, queue.take(sealedBytes), label);
      index = nextIndex(index);
    }
  }
  if (opened === undefined) {
    throw corrupt(label, `it is truncated: ${queue.length} bytes, shorter than its header`);
  }
  if (queue.length < TAG_BYTES) {
    throw corrupt(label, `it is truncated inside segment ${index}`);
  }
  yield open(opened.dataKey, opened.header, index, true, queue.take(queue.length), label);
}

/**
 * Blobs encrypted before they reach the content-addressed store. The digest is that of the
 * ciphertext (what is on disk, what the store re-hashes); the plaintext digest is returned
 * beside it for the caller's records.
 */
export class EncryptedBlobStore {
  constructor(
    readonly blobs: BlobStore,
    private readonly kek: Kek,
    private readonly options: EncryptOptions = {},
  ) {}

  get kekId(): string {
    return this.kek.id;
  }

  async put(
    source: Uint8Array | string | Readable | AsyncIterable<Uint8Array>,
  ): Promise<EncryptedBlobRef> {
    const hash = createHash("sha256");
    let size = 0;
    async function* measured(): AsyncGenerator<Uint8Array> {
      for await (const chunk of asIterable(source)) {
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    }
    const stored = await this.blobs.put(
      Readable.from(encryptChunks(measured(), this.kek, this.options)),
    );
    return { ...stored, plaintext: { digest: `sha256:${hash.digest("hex")}`, size } };
  }

  /**
   * The plaintext of a stored blob. It errors (E_BLOB_CORRUPT) as soon as a segment fails
   * and, like BlobStore.stream, only a stream that ended cleanly was whole: consumers must
   * not act on the data before the end.
   */
  stream(digest: string): Readable {
    return Readable.from(decryptChunks(this.blobs.stream(digest), this.kek, digest));
  }

  async get(digest: string): Promise<Buffer> {
    return collect(this.stream(digest));
  }

  /** Re-hashes and decrypts a stored blob; true when it is intact. */
  async verify(digest: string): Promise<boolean> {
    return drainVerifies(this.stream(digest));
  }
}

function openHeader(
  header: Buffer,
  kek: Kek,
  label: string,
): { header: Buffer; dataKey: KeyObject; segmentBytes: number } {
  if (!header.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw corrupt(label, "it does not start with the RAMPENC header of an encrypted blob");
  }
  if (header[7] !== FORMAT_VERSION || header[8] !== WRAP_AES_256_GCM) {
    throw corrupt(
      label,
      `its header names format ${header[7]}, key wrap ${header[8]}: this Rampart reads format ${FORMAT_VERSION}, wrap ${WRAP_AES_256_GCM}`,
    );
  }
  const log2 = header[9] as number;
  if (log2 < MIN_SEGMENT_LOG2 || log2 > MAX_SEGMENT_LOG2) {
    throw corrupt(label, `its header gives a segment size of 2^${log2} bytes`);
  }
  const kekId = header.subarray(12, 20).toString("hex");
  if (kekId !== kek.id) {
    throw new RampartError(
      "E_KEY",
      `${label} was encrypted under key-encryption key ${kekId}, but RAMPART_KEK_FILE holds key ${kek.id}`,
      {
        hint: "point RAMPART_KEK_FILE at the key the blob was written with; if that key is right, the blob's header was altered",
      },
    );
  }
  const unwrap = createDecipheriv("aes-256-gcm", kek.key, header.subarray(28, 40));
  unwrap.setAAD(header.subarray(0, WRAP_AAD_BYTES));
  unwrap.setAuthTag(header.subarray(72, 88));
  let dek: Buffer;
  try {
    dek = Buffer.concat([unwrap.update(header.subarray(40, 72)), unwrap.final()]);
  } catch {
    throw corrupt(label, "its wrapped data key does not authenticate under the KEK");
  }
  const dataKey = createSecretKey(dek);
  dek.fill(0);
  return { header, dataKey, segmentBytes: 2 ** log2 };
}

function seal(dataKey: KeyObject, header: Buffer, index: number, last: boolean, plain: Buffer) {
  const cipher = createCipheriv("aes-256-gcm", dataKey, segmentNonce(header, index, last));
  cipher.setAAD(segmentAad(header, index, last));
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function open(
  dataKey: KeyObject,
  header: Buffer,
  index: number,
  last: boolean,
  sealed: Buffer,
  label: string,
): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", dataKey, segmentNonce(header, index, last));
  decipher.setAAD(segmentAad(header, index, last));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    // Nothing of a segment is released before its tag checked.
    return Buffer.concat([
      decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    throw corrupt(
      label,
      last
        ? `its segment ${index} does not authenticate as the last one: changed, truncated, extended or reordered`
        : `its segment ${index} does not authenticate: changed or reordered`,
    );
  }
}

function segmentNonce(header: Buffer, index: number, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  header.copy(nonce, 0, 20, 27);
  nonce.writeUInt32BE(index, 7);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

function segmentAad(header: Buffer, index: number, last: boolean): Buffer {
  const aad = Buffer.alloc(ENCRYPTED_HEADER_BYTES + 5);
  header.copy(aad, 0);
  aad.writeUInt32BE(index, ENCRYPTED_HEADER_BYTES);
  aad[ENCRYPTED_HEADER_BYTES + 4] = last ? 1 : 0;
  return aad;
}

function nextIndex(index: number): number {
  if (index >= MAX_SEGMENTS) {
    throw new RampartError("E_USAGE", "a blob may hold at most 2^32 segments");
  }
  return index + 1;
}

function corrupt(label: string, why: string): RampartError {
  return new RampartError("E_BLOB_CORRUPT", `encrypted ${label} is corrupt: ${why}`, {
    hint: "the stored ciphertext was changed or damaged; restore it from a backup",
  });
}

function asIterable(
  source: Uint8Array | string | Readable | AsyncIterable<Uint8Array>,
): AsyncIterable<Uint8Array> {
  if (typeof source === "string" || source instanceof Uint8Array) {
    return Readable.from([Buffer.from(source)]);
  }
  return source;
}

/** Bytes in arrival order; `take` cuts exactly n of them off the front. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private bytes = 0;

  get length(): number {
    return this.bytes;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    this.bytes += chunk.length;
  }

  take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0] as Buffer;
      const want = n - filled;
      if (head.length <= want) {
        head.copy(out, filled);
        filled += head.length;
        this.chunks.shift();
      } else {
        head.copy(out, filled, 0, want);
        this.chunks[0] = head.subarray(want);
        filled += want;
      }
    }
    this.bytes -= n;
    return out;
  }
}
