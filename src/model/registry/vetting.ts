/**
 * Whether a dataset snapshot passed the data checks (validation, poisoning, provenance).
 * The snapshot table answers it (`snapshotVetting` in src/data/sources, wired in by the CLI:
 * model/ does not import data/). Without it every snapshot is "unknown", which fails
 * `require_vetted_datasets`: a promotion gate that cannot see the data must not wave the
 * model through.
 */
export type VettingStatus = "vetted" | "unvetted" | "unknown";

export interface DatasetVetting {
  isVetted(snapshotId: string): VettingStatus | Promise<VettingStatus>;
}

/** The default until the dataset module plugs in: nothing is known, so nothing passes. */
export const UNKNOWN_DATASETS: DatasetVetting = {
  isVetted: () => "unknown",
};

/** Answers from a fixed table (tests, or a list exported from another system); the rest are unknown. */
export function vettingFrom(table: Record<string, VettingStatus>): DatasetVetting {
  return {
    isVetted: (id) => (Object.hasOwn(table, id) ? (table[id] as VettingStatus) : "unknown"),
  };
}
