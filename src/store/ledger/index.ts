export {
  type Checkpoint,
  type CheckpointBody,
  checkCheckpoint,
  sealCheckpoint,
} from "./checkpoint.js";
export { entryHash, entryPreimage, type LedgerEntry, type LedgerEntryInput } from "./entry.js";
export { LedgerWriter, type LedgerWriterOptions } from "./ledger.js";
export type { CheckpointPolicy, Signer } from "./plan.js";
export {
  countEntries,
  type LedgerQuery,
  queryEntries,
  readCheckpoints,
  readEntries,
} from "./reader.js";
export {
  type LedgerProblem,
  type LedgerProblemKind,
  type LedgerVerification,
  verifyLedger,
} from "./verify.js";
