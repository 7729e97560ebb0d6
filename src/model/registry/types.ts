import type { Severity } from "../../core/index.js";

/** The contract of the model registry, shared with the BOM writer and the CLI. */
export const STAGES = ["none", "staging", "production", "archived"] as const;
export type Stage = (typeof STAGES)[number];

export interface ModelFileRecord {
  /** Path relative to the model root (`.` for a single-file model). */
  name: string;
  size: number;
  /** `sha256:<hex>` of the plaintext. */
  digest: string;
}

export interface ModelVersion {
  name: string;
  version: string;
  /** `sha256:<hex>`: the OMS root digest when signed, else the digest of the files manifest. */
  digest: string;
  files: ModelFileRecord[];
  /** Where the artifact lives in the blob store (digest of the stored form). */
  blob: string;
  encrypted: boolean;
  signature?: { bundle: string; signer: Record<string, unknown>; verifiedAt: string };
  lineage: {
    datasets: string[];
    gitCommit?: string;
    parameters?: Record<string, unknown>;
    parent?: string;
  };
  metrics: Record<string, number>;
  /** Model card fields for the ML-BOM. */
  card?: { task?: string; architecture?: string; description?: string };
  stage: Stage;
  /** Highest scan finding at registration/promotion, and when. */
  scan?: { maxSeverity: Severity | null; findings: number; scannedAt: string };
  createdAt: string;
  createdBy: string;
}
