import type { Kysely } from "kysely";
import type { Finding, RampartConfig } from "../../core/index.js";
import type { Kek } from "../../store/blobs/encryptedBlobStore.js";
import type { Tables } from "../../store/index.js";
import { type BlobStore, type LedgerWriter, type Store, saveFindings } from "../../store/index.js";
import { modelAsset } from "./names.js";
import { type PromotionPolicy, promotionPolicy } from "./policy.js";
import { defaultVerifier, type ModelVerifier } from "./signature.js";
import { type DatasetVetting, UNKNOWN_DATASETS } from "./vetting.js";

/** What the registry works with. The CLI builds one per command; the pipeline will too. */
export interface RegistryOptions {
  store: Store;
  blobs: BlobStore;
  config: RampartConfig;
  /** Resolves paths in the configuration (trusted keys) against the project folder. */
  resolvePath: (path: string) => string;
  ledger: LedgerWriter;
  /** Who is acting, recorded on every ledger entry. */
  actor: string;
  /** The key-encryption key, when one is set (RAMPART_KEK_FILE). */
  kek?: Kek;
  vetting?: DatasetVetting;
  verifier?: ModelVerifier;
  now?: () => Date;
}

export class RegistryContext {
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly config: RampartConfig;
  readonly ledger: LedgerWriter;
  readonly actor: string;
  readonly kek: Kek | undefined;
  readonly vetting: DatasetVetting;
  readonly verifier: ModelVerifier;
  readonly now: () => Date;
  private readonly resolvePath: (path: string) => string;
  private loadedPolicy: PromotionPolicy | undefined;

  constructor(options: RegistryOptions) {
    this.store = options.store;
    this.blobs = options.blobs;
    this.config = options.config;
    this.ledger = options.ledger;
    this.actor = options.actor;
    this.kek = options.kek;
    this.vetting = options.vetting ?? UNKNOWN_DATASETS;
    this.verifier = options.verifier ?? defaultVerifier;
    this.now = options.now ?? (() => new Date());
    this.resolvePath = options.resolvePath;
  }

  /** Read on first use: `list` must not fail on a trusted key file it does not need. */
  get policy(): PromotionPolicy {
    this.loadedPolicy ??= promotionPolicy(this.config, this.resolvePath);
    return this.loadedPolicy;
  }

  /**
   * Appends ledger entries inside the caller's transaction: the state change and its record
   * commit together, so a crash can never leave a change the ledger does not show.
   */
  async recordWithin(
    trx: Kysely<Tables>,
    entries: { kind: string; name: string; version: string; payload: Record<string, unknown> }[],
  ): Promise<void> {
    await this.ledger.appendWithin(
      trx,
      entries.map((e) => ({
        actor: this.actor,
        kind: e.kind,
        asset: modelAsset(e.name, e.version),
        payload: e.payload,
      })),
    );
  }

  /** Appends ledger entries about model versions (refusals: nothing else changed), in order. */
  async record(
    entries: { kind: string; name: string; version: string; payload: Record<string, unknown> }[],
  ): Promise<void> {
    await this.ledger.append(
      entries.map((e) => ({
        actor: this.actor,
        kind: e.kind,
        asset: modelAsset(e.name, e.version),
        payload: e.payload,
      })),
    );
  }

  async saveFindings(findings: readonly Finding[]): Promise<void> {
    await saveFindings(this.store, findings);
  }
}
