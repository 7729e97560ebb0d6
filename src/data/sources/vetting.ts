import type { Store } from "../../store/index.js";
import { isSnapshotStatus, isUsableForTraining } from "./status.js";

/**
 * The model registry's `DatasetVetting` (src/model/registry/vetting.ts), backed by the
 * snapshot table. Structurally typed: data/ does not import model/, the CLI wires the two.
 * Accepted (trusted source), vetted and approved snapshots are "vetted"; quarantined ones
 * "unvetted"; an id the table does not hold, or a status it does not know, "unknown".
 */
export type SnapshotVettingStatus = "vetted" | "unvetted" | "unknown";

export interface SnapshotVetting {
  isVetted(snapshotId: string): Promise<SnapshotVettingStatus>;
}

export function snapshotVetting(store: Pick<Store, "db">): SnapshotVetting {
  return {
    async isVetted(snapshotId) {
      const row = await store.db
        .selectFrom("data_snapshots")
        .select("status")
        .where("id", "=", snapshotId)
        .executeTakeFirst();
      if (row === undefined || !isSnapshotStatus(row.status)) return "unknown";
      return isUsableForTraining(row.status) ? "vetted" : "unvetted";
    },
  };
}
