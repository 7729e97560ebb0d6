import { z } from "zod";
import { canonicalBytes, RampartError, sha256Hex } from "../../core/index.js";
import type { ModelFileRecord } from "./types.js";

/**
 * The pack manifest: how a registered artifact sits in the blob store. One blob per file
 * (its plaintext, or its ciphertext when encrypted) and this manifest, itself a blob, listing
 * them. The manifest is RFC 8785 canonical JSON with the files sorted by name and nothing
 * that depends on the machine (no times, modes, owners), so the same folder always packs to
 * the same manifest and, unencrypted, to the same digest.
 */
export const PACK_SCHEMA = "rampart/model-pack@1";

/** The encryption scheme of src/store/blobs/encryptedBlobStore.ts, format 1. */
export const ENCRYPTION_SCHEME = "rampart-aes-256-gcm-stream@1";

export interface PackedFile extends ModelFileRecord {
  /** Digest of the stored form: the plaintext digest, or that of the ciphertext. */
  blob: string;
}

export interface PackManifest {
  schema: typeof PACK_SCHEMA;
  /** A single file (its record is named `.`) or a folder. */
  layout: "file" | "folder";
  /** The registered path's base name: restored under it so signatures and scans see it. */
  root: string;
  encryption: { scheme: typeof ENCRYPTION_SCHEME; kek_id: string } | null;
  files: PackedFile[];
}

const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/);
const manifestSchema = z
  .object({
    schema: z.literal(PACK_SCHEMA),
    layout: z.enum(["file", "folder"]),
    root: z.string().refine(isSafeBaseName, "not a plain file name"),
    encryption: z
      .object({ scheme: z.literal(ENCRYPTION_SCHEME), kek_id: z.string().regex(/^[0-9a-f]{16}$/) })
      .strict()
      .nullable(),
    files: z
      .array(
        z
          .object({
            name: z.string(),
            size: z.number().int().min(0),
            digest,
            blob: digest,
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export function encodeManifest(manifest: PackManifest): Buffer {
  return canonicalBytes(manifest);
}

/**
 * Reads a stored manifest. Names are checked before anything uses them as paths: a manifest
 * naming `../x` must not write outside the folder a check restores into.
 */
export function parseManifest(bytes: Buffer, label: string): PackManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw badManifest(label, "it is not JSON");
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badManifest(label, `${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  const manifest = parsed.data as PackManifest;
  const names = manifest.files.map((f) => f.name);
  if (manifest.layout === "file" && (names.length !== 1 || names[0] !== ".")) {
    throw badManifest(label, "a single-file pack must hold exactly one file named '.'");
  }
  if (manifest.layout === "folder") {
    for (const name of names) {
      if (!isSafeRelativePath(name)) throw badManifest(label, `unsafe file name "${name}"`);
    }
  }
  for (let i = 1; i < names.length; i++) {
    if (compareNames(names[i - 1] as string, names[i] as string) >= 0) {
      throw badManifest(label, "files are not sorted by name, or a name repeats");
    }
  }
  return manifest;
}

/** `sha256:` of the canonical file list: the version digest of an unsigned model. */
export function filesDigest(files: readonly ModelFileRecord[]): string {
  return `sha256:${sha256Hex(
    canonicalBytes(files.map((f) => ({ name: f.name, size: f.size, digest: f.digest }))),
  )}`;
}

/** UTF-16 code unit order, the order RFC 8785 sorts keys in. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isSafeRelativePath(name: string): boolean {
  if (name === "" || name.startsWith("/") || name.includes("\\") || name.includes("\0")) {
    return false;
  }
  return name.split("/").every((part) => part !== "" && part !== "." && part !== "..");
}

function isSafeBaseName(name: string): boolean {
  return isSafeRelativePath(name) && !name.includes("/");
}

function badManifest(label: string, why: string): RampartError {
  return new RampartError("E_BLOB_CORRUPT", `the pack manifest of ${label} is invalid: ${why}`, {
    hint: "the manifest blob or the registry record was altered; restore them from a backup",
  });
}
