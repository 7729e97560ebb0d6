/** A decoder produced more than the caller's cap: the stream is a bomb or too big to scan. */
export class OutputLimitError extends Error {
  constructor(readonly produced: number) {
    super(`decompressed output passed the limit after ${produced} bytes`);
    this.name = "OutputLimitError";
  }
}

/** The compressed input is bigger than the decoder may hold in memory. */
export class InputLimitError extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`compressed input of ${size} bytes is over the in-memory limit of ${limit}`);
    this.name = "InputLimitError";
  }
}

/** The compressed data is corrupt or truncated; `message` says what the decoder saw. */
export class CorruptStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CorruptStreamError";
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
