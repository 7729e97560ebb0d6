import type { ChainState, Planned } from "./plan.js";

/**
 * The one thing a database must do for the ledger: run `plan` on the current chain state and
 * write what it returns, atomically and serialised against every other writer, in any process.
 */
export interface LedgerDriver {
  transact(plan: (state: ChainState) => Planned): Promise<Planned>;
}
