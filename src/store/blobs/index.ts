export { type BlobRef, BlobStore } from "./blobStore.js";
export {
  DEFAULT_SEGMENT_BYTES,
  type EncryptedBlobRef,
  EncryptedBlobStore,
  isEncryptedBlob,
  type Kek,
  kekFromBytes,
  loadKek,
} from "./encryptedBlobStore.js";
export { type HashingTap, hashingTap } from "./hashingTap.js";
