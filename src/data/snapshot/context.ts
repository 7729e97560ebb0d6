import { type AssetRef, type RampartConfig, RampartError } from "../../core/index.js";
import type { LedgerWriter, Store } from "../../store/index.js";

/** What snapshot operations work with; the CLI builds one per command. */
export interface SnapshotContext {
  store: Store;
  ledger: LedgerWriter;
  config: RampartConfig;
  /** Who is acting, recorded on every ledger entry and status change. */
  actor: string;
  now?: () => Date;
}

/** The asset a snapshot's findings and ledger entries name: dataset NAME, version = id. */
export function snapshotAsset(dataset: string, id: string): AssetRef {
  return { kind: "dataset", id: dataset, version: id };
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._/@:+-]{0,199}$/;

/** Dataset, source and contributor names: printable, no spaces, no leading punctuation. */
export function checkName(flag: string, value: string): string {
  if (!NAME.test(value)) {
    throw new RampartError("E_USAGE", `${flag} "${value}" is not a valid name`, {
      hint: "use letters, digits and . _ / @ : + - (no spaces), starting with a letter or digit; at most 200 characters",
    });
  }
  return value;
}

export function nowIso(ctx: Pick<SnapshotContext, "now">): string {
  return (ctx.now ?? (() => new Date()))().toISOString();
}
