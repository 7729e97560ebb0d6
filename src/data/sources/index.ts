/** Data sources and how far they are trusted; what a snapshot's status means for training. */
export {
  initialStatus,
  isSnapshotStatus,
  isUsableForTraining,
  SNAPSHOT_STATUSES,
  type SnapshotStatus,
} from "./status.js";
export {
  isTrustLevel,
  type SourceTrust,
  sourceTrust,
  TRUST_LEVELS,
  type TrustLevel,
} from "./trust.js";
export { type SnapshotVetting, type SnapshotVettingStatus, snapshotVetting } from "./vetting.js";
