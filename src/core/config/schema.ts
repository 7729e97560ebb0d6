import { z } from "zod";
import { SEVERITIES } from "../severity.js";

/**
 * `rampart.yaml`, version 1. Every object is strict: a misspelt key is an error, not a
 * silently ignored setting (a security tool that ignores its configuration fails open).
 */
export const configSchema = z
  .object({
    version: z.literal(1),
    store: z
      .object({
        /** SQLite file, relative to the folder holding rampart.yaml. */
        path: z.string().min(1).default(".rampart/rampart.db"),
        /** postgres://… ; RAMPART_DATABASE_URL overrides it. */
        database_url: z
          .string()
          .regex(/^postgres(ql)?:\/\//, "a postgres:// or postgresql:// URL")
          .optional(),
        /**
         * normal: durable across a crash of the process (WAL); full: also across power loss,
         * at the price of an fsync per commit.
         */
        sqlite_synchronous: z.enum(["normal", "full"]).default("normal"),
        blobs: z.string().min(1).default(".rampart/blobs"),
      })
      .strict()
      .prefault({}),
    ledger: z
      .object({
        /** Ed25519 private key (PKCS#8 PEM); RAMPART_LEDGER_KEY_FILE overrides it. */
        key_file: z.string().min(1).default(".rampart/keys/ledger-ed25519.pem"),
        checkpoint: z
          .object({
            every_entries: z.number().int().min(1).max(1_000_000).default(1000),
            every_seconds: z.number().min(1).max(86_400).default(60),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    scan: z
      .object({
        /** Extra pickle globals to pass quietly: `module.name` or `module.*`. */
        allow_globals: z.array(z.string().min(1)).default([]),
        /** Extra pickle globals to treat as critical; deny beats allow. */
        deny_globals: z.array(z.string().min(1)).default([]),
        /** How deep containers may nest (zip in tar in zip …). */
        max_depth: z.number().int().min(1).max(64).default(8),
        /** Members examined per container. */
        max_members: z.number().int().min(1).max(10_000_000).default(10_000),
        /** Bytes one decompressed stream may expand to, in MiB (zip-bomb guard). */
        max_expanded_mib: z.number().int().min(1).max(1_048_576).default(4096),
      })
      .strict()
      .prefault({}),
    findings: z
      .object({
        fail_on: z.enum(SEVERITIES).default("high"),
      })
      .strict()
      .prefault({}),
    models: z
      .object({
        /** Encrypt registered artifacts (AES-256-GCM) under the key in RAMPART_KEK_FILE. */
        encrypt_at_rest: z.boolean().default(false),
        /** What `rampart model promote` demands; every rule is checked, every failure listed. */
        promotion: z
          .object({
            require_signature: z.boolean().default(true),
            /** PEM public keys (paths) a model signature may verify against. */
            trusted_keys: z.array(z.string().min(1)).default([]),
            /** Root (and intermediate) CA certificates, PEM, for certificate-chain signatures. */
            trusted_certificate_roots: z.array(z.string().min(1)).default([]),
            /** Keyless Sigstore signers: certificate identity (SAN) and OIDC issuer. */
            trusted_identities: z
              .array(z.object({ identity: z.string().min(1), issuer: z.string().min(1) }).strict())
              .default([]),
            /** A scan finding above this severity blocks the promotion. */
            max_scan_severity: z.enum(SEVERITIES).default("medium"),
            /** Every training dataset snapshot must be vetted (unknown counts as not). */
            require_vetted_datasets: z.boolean().default(true),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    data: z
      .object({
        /** ECDSA P-256 private key (PKCS#8 PEM) that signs snapshot manifests (DSSE). */
        signing_key_file: z.string().min(1).default(".rampart/keys/data-p256.pem"),
        /**
         * Where training data comes from, and how far it is trusted. A source not listed
         * here is untrusted: its snapshots are quarantined until vetted or approved.
         */
        sources: z
          .record(
            z
              .string()
              .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a source name: letters, digits, . _ -"),
            z
              .object({
                trust: z.enum(["trusted", "vetted", "untrusted"]),
                description: z.string().optional(),
              })
              .strict(),
          )
          .default({}),
        /**
         * Actors (RAMPART_ACTOR, else user@host) who may `rampart data approve` a quarantined
         * snapshot without a passing vet. Empty: nobody may (fail closed).
         */
        approvers: z.array(z.string().min(1)).default([]),
        validation: z
          .object({
            /** Family-wise false-alarm rate for the per-column drift tests of one batch. */
            alpha: z.number().gt(0).lt(1).default(0.05),
            /** holm controls the family-wise error rate; bh the false discovery rate. */
            correction: z.enum(["holm", "bh"]).default("holm"),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type RampartConfig = z.output<typeof configSchema>;

export function defaultConfig(): RampartConfig {
  return configSchema.parse({ version: 1 });
}
