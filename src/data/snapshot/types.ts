import type { DsseEnvelope } from "../../core/index.js";
import type { SnapshotStatus, TrustLevel } from "../sources/index.js";
import type { DataFormat } from "../table/types.js";

/** One file of a snapshot, as signed. */
export interface SnapshotFile {
  /**
   * Path relative to the files' common folder, `/`-separated: what the root digest covers
   * and where `verify --root DIR` looks (DIR/name).
   */
  name: string;
  /** Absolute path when the snapshot was taken. */
  path: string;
  sha256: string;
  size: number;
  format: DataFormat;
  rows: number;
}

export interface SnapshotColumn {
  name: string;
  /** DuckDB's type for it. */
  type: string;
  kind: "numeric" | "categorical";
}

/** The in-toto predicate of a snapshot (PREDICATE_TYPE). Every field is signed. */
export interface SnapshotPredicate {
  dataset: string;
  /** SHA-256 of the canonical JSON list of { name, sha256 } sorted by name (digest.ts). */
  rootDigest: { sha256: string };
  createdAt: string;
  createdBy: string;
  source: { name: string; trust: TrustLevel; listed: boolean };
  contributor: string | null;
  parents: string[];
  rows: number;
  files: SnapshotFile[];
  schema: SnapshotColumn[];
  /** profileTable's output (src/data/profile): JSON, no NaN. */
  profile: unknown;
}

/** in-toto Statement v1 (github.com/in-toto/attestation, spec/v1/statement.md). */
export interface SnapshotStatement {
  _type: "https://in-toto.io/Statement/v1";
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: string;
  predicate: SnapshotPredicate;
}

/** A stored snapshot: what its row says, with the signed envelope it came from. */
export interface SnapshotRecord {
  /** SHA-256 of the canonical statement bytes (= the envelope payload), hex. */
  id: string;
  dataset: string;
  rootDigest: string;
  source: string;
  trust: TrustLevel;
  contributor: string | null;
  parents: string[];
  files: SnapshotFile[];
  rows: number;
  envelope: DsseEnvelope;
  keyId: string;
  status: SnapshotStatus;
  statusChangedAt: string;
  statusChangedBy: string;
  statusReason: string | null;
  createdAt: string;
  createdBy: string;
}
