/**
 * One error type for everything Rampart refuses to do. A `RampartError` is a user-facing
 * condition: the CLI prints its message and hint (never a stack trace) and exits with its
 * exit code. Anything else that escapes is a bug and exits 3 (internal error).
 */

/** Exit codes, shared by every command (DESIGN.md, output contract). */
export const ExitCode = {
  ok: 0,
  /** findings at or above the threshold, or a failed verification */
  findings: 1,
  /** usage or configuration error */
  usage: 2,
  internal: 3,
  /** nothing to do (no input matched) */
  nothingToDo: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Stable, greppable codes. Add new ones; never rename. */
export type ErrorCode =
  | "E_USAGE"
  | "E_CONFIG"
  | "E_NOT_INITIALIZED"
  | "E_ALREADY_INITIALIZED"
  | "E_DATABASE"
  | "E_DATABASE_UNREACHABLE"
  | "E_KEY"
  | "E_CANONICAL_JSON"
  | "E_BLOB_NOT_FOUND"
  | "E_BLOB_CORRUPT"
  | "E_LEDGER"
  | "E_IO"
  /** Input data the user gave cannot be used as it is (empty, unparsable, a missing column). */
  | "E_DATA"
  /** A named thing (snapshot, version, source) does not exist. */
  | "E_NOT_FOUND"
  | "E_INTERNAL";

const exitCodeFor: Record<ErrorCode, ExitCode> = {
  E_USAGE: ExitCode.usage,
  E_CONFIG: ExitCode.usage,
  E_NOT_INITIALIZED: ExitCode.usage,
  E_ALREADY_INITIALIZED: ExitCode.usage,
  E_DATABASE: ExitCode.internal,
  E_DATABASE_UNREACHABLE: ExitCode.usage,
  E_KEY: ExitCode.usage,
  E_CANONICAL_JSON: ExitCode.usage,
  E_BLOB_NOT_FOUND: ExitCode.usage,
  E_BLOB_CORRUPT: ExitCode.findings,
  E_LEDGER: ExitCode.internal,
  E_IO: ExitCode.usage,
  E_DATA: ExitCode.usage,
  E_NOT_FOUND: ExitCode.usage,
  E_INTERNAL: ExitCode.internal,
};

export interface RampartErrorOptions {
  /** What the user can do about it. */
  hint?: string;
  /** Structured details for `--json` output. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class RampartError extends Error {
  override readonly name = "RampartError";
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: RampartErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  get exitCode(): ExitCode {
    return exitCodeFor[this.code];
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export function isRampartError(value: unknown): value is RampartError {
  return value instanceof RampartError;
}
