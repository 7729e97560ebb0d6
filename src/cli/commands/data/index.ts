import type { Command } from "commander";
import type { RunState } from "../../runner.js";
import { registerDataInspect } from "./inspect.js";
import { registerDataSnapshot } from "./snapshot.js";
import { registerDataValidate } from "./validate.js";

/** `rampart data …`: snapshots and provenance, trust, validation, PII, poisoning. */
export function registerData(program: Command, state: RunState): void {
  const data = program
    .command("data")
    .description(
      "training data: signed snapshots, source trust and quarantine, validation, PII, poisoning",
    );
  // snapshot, verify, list, show, vet, approve
  registerDataSnapshot(data, state);
  // validate, pii
  registerDataValidate(data, state);
  // inspect
  registerDataInspect(data, state);
}
