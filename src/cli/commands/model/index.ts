import type { Command } from "commander";
import type { RunState } from "../../runner.js";
import { registerModelBom } from "./bom.js";
import { registerModelRegistry } from "./registry.js";
import { registerModelSigning } from "./sign.js";

/** `rampart model …`: signing, the registry, promotion, and the ML-BOM. */
export function registerModel(program: Command, state: RunState): void {
  const model = program
    .command("model")
    .description(
      "model integrity: sign and verify (OpenSSF model signing), registry, promotion, ML-BOM",
    );
  registerModelSigning(model, state);
  registerModelRegistry(model, state);
  registerModelBom(model, state);
}
