export * from "./blobs/index.js";
export {
  type Dialect,
  isPostgresUrl,
  maskPassword,
  openStore,
  type Store,
  type StoreOptions,
} from "./database.js";
export { type FindingQuery, listFindings, saveFindings } from "./findings.js";
export * from "./ledger/index.js";
export type { Tables } from "./tables.js";
