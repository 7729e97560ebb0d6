import { RampartError } from "../core/index.js";

const UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** `--since`: an ISO date/time, or a duration back from now (`90m`, `24h`, `7d`). */
export function parseSince(text: string, now = Date.now()): string {
  const relative = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text.trim());
  if (relative) {
    return new Date(
      now - Number(relative[1]) * (UNITS[relative[2] as string] as number),
    ).toISOString();
  }
  const time = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(time)) {
    throw new RampartError("E_USAGE", `--since "${text}" is neither a date nor a duration`, {
      hint: "use an ISO date such as 2026-11-01 or 2026-11-01T12:00:00Z, or a duration such as 30m, 24h, 7d",
    });
  }
  return new Date(time).toISOString();
}
