import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { RampartError } from "../../core/index.js";

/** Where a project keeps the redaction key, relative to its root. */
export const PII_KEY_DEFAULT_PATH = ".rampart/keys/pii-hmac.key";
export const PII_KEY_BYTES = 32;

/**
 * The project's secret key for redaction tokens: 32 random bytes, stored as 64 hex characters,
 * mode 0600, made on first use. The key is what makes a token one-way: SSNs (10^9) or phone
 * numbers are few enough to hash them all, so an unkeyed hash would be a lookup table away from
 * the raw values. An existing file is never overwritten: that would change every token and
 * break joins on data redacted before.
 */
export function loadOrCreatePiiKey(path: string): Buffer {
  try {
    statSync(path);
  } catch {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(path, `${randomBytes(PII_KEY_BYTES).toString("hex")}\n`, {
        mode: 0o600,
        flag: "wx",
      });
      chmodSync(path, 0o600);
    } catch (cause) {
      // Another process made it between the stat and the write: use theirs.
      if ((cause as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new RampartError("E_KEY", `cannot create the PII redaction key ${path}`, {
          hint: "check that the folder is writable, or set RAMPART_PII_KEY_FILE",
          cause,
        });
      }
    }
  }
  return readPiiKey(path);
}

export function readPiiKey(path: string): Buffer {
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch (cause) {
    throw new RampartError("E_KEY", `the PII redaction key ${path} cannot be read`, {
      hint: "check its permissions, or set RAMPART_PII_KEY_FILE",
      cause,
    });
  }
  if (!/^[0-9a-fA-F]+$/.test(text) || text.length < PII_KEY_BYTES * 2 || text.length % 2 !== 0) {
    throw new RampartError(
      "E_KEY",
      `the PII redaction key ${path} is not at least ${PII_KEY_BYTES} bytes of hex`,
      {
        hint: "make one with `openssl rand -hex 32 > FILE` (mode 0600), or delete it to have Rampart make one",
      },
    );
  }
  return Buffer.from(text, "hex");
}
