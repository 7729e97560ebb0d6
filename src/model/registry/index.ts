/** The model registry: versions, stages, lineage, the promotion gate, integrity at rest. */
export { RegistryContext, type RegistryOptions } from "./context.js";
export type { PromotionRule } from "./findings.js";
export type { ArtifactInspection } from "./inspect.js";
export type { IntegrityReport, StoredFileCheck, StoredFileStatus } from "./integrity.js";
export { kekFromEnvironment } from "./kek.js";
export {
  ENCRYPTION_SCHEME,
  filesDigest,
  PACK_SCHEMA,
  type PackedFile,
  type PackManifest,
} from "./manifest.js";
export {
  checkModelName,
  checkVersion,
  formatModelRef,
  modelAsset,
  parseModelRef,
} from "./names.js";
export { type PromotionPolicy, promotionPolicy } from "./policy.js";
export { type PromoteResult, type PromotionTarget, promoteModel } from "./promote.js";
export { type RegisterInput, type RegisterResult, registerModel } from "./register.js";
export {
  getModelVersion,
  listModelVersions,
  type StoredVersion,
} from "./repository.js";
export { archiveModel, type RollbackResult, rollbackModel } from "./rollback.js";
export type { RuleOutcome } from "./rules.js";
export type { ArtifactScan } from "./scanArtifact.js";
export {
  checkSignature,
  defaultVerifier,
  type ModelVerifier,
  type SignatureCheck,
  type TrustAnchors,
} from "./signature.js";
export { type ModelFileRecord, type ModelVersion, STAGES, type Stage } from "./types.js";
export {
  type StoreVerification,
  type VersionVerification,
  verifyStoredModels,
} from "./verifyStored.js";
export {
  type DatasetVetting,
  UNKNOWN_DATASETS,
  type VettingStatus,
  vettingFrom,
} from "./vetting.js";
