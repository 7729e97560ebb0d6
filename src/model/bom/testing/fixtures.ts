/** ModelVersion records for the BOM tests: one with everything, one with nothing optional. */
import type { ModelVersion } from "../../registry/types.js";
import type { DatasetRef } from "../cyclonedx.js";

export const ROOT_HEX = "3f".repeat(32);
export const TRAIN_HEX = "a1".repeat(32);
export const GOLDEN_HEX = "b2".repeat(32);

export const PINNED = {
  toolVersion: "0.1.0",
  now: new Date("2025-01-02T03:04:05.000Z"),
  serialNumber: "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
} as const;

/** Signed, scanned, in production, trained on two snapshots with a card and metrics. */
export function fullVersion(): ModelVersion {
  return {
    name: "fraud",
    version: "3",
    digest: `sha256:${ROOT_HEX}`,
    files: [
      { name: "weights.onnx", size: 1234, digest: `sha256:${"c3".repeat(32)}` },
      { name: "config.json", size: 56, digest: `sha256:${"d4".repeat(32)}` },
    ],
    blob: `sha256:${"e5".repeat(32)}`,
    encrypted: true,
    signature: {
      bundle: "model.sig",
      signer: { kind: "key", keyId: "f6".repeat(32) },
      verifiedAt: "2025-01-01T10:00:00.000Z",
    },
    lineage: {
      datasets: ["transactions-2024-12", `sha256:${GOLDEN_HEX}`],
      gitCommit: "0123456789abcdef0123456789abcdef01234567",
      parameters: { learningRate: 0.1, trees: 200, split: { test: 0.2, seed: 7 } },
      parent: "fraud@2",
    },
    metrics: { recall: 0.81, auc: 0.93, precision: 0.9 },
    card: {
      task: "classification",
      architecture: "gradient-boosted trees",
      description: "Scores card transactions for fraud.",
    },
    stage: "production",
    scan: { maxSeverity: "low", findings: 2, scannedAt: "2025-01-01T09:00:00.000Z" },
    createdAt: "2025-01-01T08:00:00.000Z",
    createdBy: "ci@build",
  };
}

export const FULL_DATASETS: DatasetRef[] = [
  {
    id: "transactions-2024-12",
    name: "transactions",
    version: "2024-12",
    digest: `sha256:${TRAIN_HEX}`,
    url: "s3://fraud-data/transactions/2024-12.parquet",
  },
  // Not in the lineage: lookup data only, never a component.
  { id: "unrelated", name: "unrelated" },
];

/** A bare registration: no datasets, metrics, card, signature or scan. */
export function minimalVersion(): ModelVersion {
  return {
    name: "tiny",
    version: "1",
    digest: `sha256:${ROOT_HEX}`,
    files: [{ name: ".", size: 10, digest: `sha256:${"07".repeat(32)}` }],
    blob: `sha256:${"08".repeat(32)}`,
    encrypted: false,
    lineage: { datasets: [] },
    metrics: {},
    stage: "none",
    createdAt: "2025-01-01T08:00:00.000Z",
    createdBy: "alice@laptop",
  };
}
