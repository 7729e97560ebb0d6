import type { TrustLevel } from "./trust.js";

/**
 * Where a snapshot stands. Data from a trusted or vetted source is `accepted` as it arrives;
 * data from an untrusted one is `quarantined` until `rampart data vet` passes it (`vetted`)
 * or an approver overrides (`approved`). A vet that fails puts a snapshot back in quarantine.
 */
export const SNAPSHOT_STATUSES = ["quarantined", "accepted", "vetted", "approved"] as const;
export type SnapshotStatus = (typeof SNAPSHOT_STATUSES)[number];

export function initialStatus(trust: TrustLevel): SnapshotStatus {
  return trust === "untrusted" ? "quarantined" : "accepted";
}

/** Whether training on a snapshot in this status is allowed. */
export function isUsableForTraining(status: SnapshotStatus): boolean {
  return status !== "quarantined";
}

export function isSnapshotStatus(value: unknown): value is SnapshotStatus {
  return typeof value === "string" && (SNAPSHOT_STATUSES as readonly string[]).includes(value);
}
