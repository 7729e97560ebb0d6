import { z } from "zod";
import { canonicalBytes, RampartError, sha256Hex } from "../../core/index.js";
import { TRUST_LEVELS } from "../sources/index.js";
import type { SnapshotPredicate, SnapshotStatement } from "./types.js";

/**
 * The signed manifest of a snapshot: an in-toto Statement v1
 * (github.com/in-toto/attestation/blob/main/spec/v1/statement.md) whose subjects are the data
 * files with their SHA-256 digests and whose predicate (PREDICATE_TYPE) carries the rest.
 * It travels in a DSSE envelope of type PAYLOAD_TYPE; the payload is the statement's
 * RFC 8785 canonical JSON, and the snapshot id is the SHA-256 of exactly those bytes, so an
 * id names one signed statement and a statement cannot be edited without changing its id.
 */
export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
export const PREDICATE_TYPE = "https://rampart.dev/attestations/dataset-snapshot/v1";
export const PAYLOAD_TYPE = "application/vnd.in-toto+json";

export function buildStatement(predicate: SnapshotPredicate): SnapshotStatement {
  return {
    _type: STATEMENT_TYPE,
    subject: predicate.files.map((f) => ({ name: f.name, digest: { sha256: f.sha256 } })),
    predicateType: PREDICATE_TYPE,
    predicate,
  };
}

export function statementBytes(statement: SnapshotStatement): Buffer {
  return canonicalBytes(statement);
}

export function snapshotIdOf(payload: Uint8Array): string {
  return sha256Hex(payload);
}

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const fileSchema = z.object({
  name: z.string().min(1),
  path: z.string().min(1),
  sha256,
  size: z.number().int().nonnegative(),
  format: z.enum(["csv", "parquet", "jsonl"]),
  rows: z.number().int().nonnegative(),
});

const statementSchema = z.object({
  _type: z.literal(STATEMENT_TYPE),
  subject: z.array(z.object({ name: z.string(), digest: z.object({ sha256 }) })).min(1),
  predicateType: z.literal(PREDICATE_TYPE),
  predicate: z.object({
    dataset: z.string().min(1),
    rootDigest: z.object({ sha256 }),
    createdAt: z.string(),
    createdBy: z.string(),
    source: z.object({ name: z.string().min(1), trust: z.enum(TRUST_LEVELS), listed: z.boolean() }),
    contributor: z.string().nullable(),
    parents: z.array(sha256),
    rows: z.number().int().nonnegative(),
    files: z.array(fileSchema).min(1),
    schema: z.array(
      z.object({ name: z.string(), type: z.string(), kind: z.enum(["numeric", "categorical"]) }),
    ),
    profile: z.unknown(),
  }),
});

/** Parses the payload of a snapshot envelope; E_DATA when it is not a snapshot statement. */
export function parseStatement(payload: Uint8Array): SnapshotStatement {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload).toString("utf8"));
  } catch (cause) {
    throw new RampartError("E_DATA", "the snapshot envelope's payload is not JSON", { cause });
  }
  const parsed = statementSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RampartError(
      "E_DATA",
      `the snapshot envelope's payload is not a dataset snapshot statement (${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"})`,
    );
  }
  return parsed.data as SnapshotStatement;
}
