/** Signed dataset snapshots: digests, in-toto statement in a DSSE envelope, store, verify, status. */
export { checkName, type SnapshotContext, snapshotAsset } from "./context.js";
export { createSnapshot, type SnapshotInput, type SnapshotResult } from "./create.js";
export { relativeNames, rootDigest, sha256File } from "./digest.js";
export { loadDataSigner, loadDataVerifier } from "./keys.js";
export { readSnapshotData } from "./read.js";
export {
  findSnapshot,
  getSnapshot,
  listSnapshots,
  MIN_PREFIX,
  requireSnapshot,
} from "./repository.js";
export {
  buildStatement,
  PAYLOAD_TYPE,
  PREDICATE_TYPE,
  parseStatement,
  STATEMENT_TYPE,
  snapshotIdOf,
  statementBytes,
} from "./statement.js";
export {
  approveSnapshot,
  recordVet,
  requireApprover,
  type StatusResult,
  VET_PASS_MAX,
} from "./status.js";
export type {
  SnapshotColumn,
  SnapshotFile,
  SnapshotPredicate,
  SnapshotRecord,
  SnapshotStatement,
} from "./types.js";
export {
  checkFiles,
  type FileCheck,
  type FileStatus,
  type SnapshotVerification,
  type VerifyOptions,
  verifySnapshot,
} from "./verify.js";
