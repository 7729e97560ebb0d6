import type { RampartConfig } from "../../core/index.js";

/**
 * How far a data source is trusted, from rampart.yaml `data.sources`. A source the file does
 * not list is untrusted: an unknown feed must never skip quarantine because of a typo.
 */
export const TRUST_LEVELS = ["trusted", "vetted", "untrusted"] as const;
export type TrustLevel = (typeof TRUST_LEVELS)[number];

export interface SourceTrust {
  source: string;
  trust: TrustLevel;
  /** Whether rampart.yaml names the source; false means untrusted by default. */
  listed: boolean;
  description?: string;
}

export function sourceTrust(config: RampartConfig, source: string): SourceTrust {
  const entry = Object.hasOwn(config.data.sources, source)
    ? config.data.sources[source]
    : undefined;
  if (entry === undefined) return { source, trust: "untrusted", listed: false };
  return {
    source,
    trust: entry.trust,
    listed: true,
    ...(entry.description === undefined ? {} : { description: entry.description }),
  };
}

export function isTrustLevel(value: unknown): value is TrustLevel {
  return typeof value === "string" && (TRUST_LEVELS as readonly string[]).includes(value);
}
