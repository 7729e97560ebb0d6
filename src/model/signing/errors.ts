import { RampartError } from "../../core/index.js";

/**
 * A reason the signature cannot be trusted. It is a result, not a crash: `verifyModel` turns
 * it into one sentence of `ModelVerification.problems`, and the CLI into a finding (exit 1).
 * The message is written for the person reading the report.
 */
export class SignatureProblem extends Error {
  override readonly name = "SignatureProblem";
}

/** The model holds no file to sign once ignored paths are left out (the CLI exits 4). */
export class NothingToSignError extends RampartError {
  constructor(modelPath: string) {
    super("E_USAGE", `${modelPath} holds no file to sign once ignored paths are left out`, {
      hint: "check the path, and that --ignore-paths does not cover every file",
    });
  }
}

export function isSignatureProblem(value: unknown): value is SignatureProblem {
  return value instanceof SignatureProblem;
}
