export { type BlobRef, BlobStore } from "./blobStore.js";
