/** The commented `rampart.yaml` that `rampart init` writes. It must parse to the defaults. */
export function renderDefaultConfig(): string {
  return `# Rampart configuration. Paths are relative to this file's folder.
# Every key is checked: a misspelt key is an error, never silently ignored.
version: 1

store:
  # The embedded default: one SQLite file (WAL mode).
  path: .rampart/rampart.db
  # To share state between machines, use PostgreSQL instead. The environment variable
  # RAMPART_DATABASE_URL overrides this key.
  # database_url: postgres://rampart@127.0.0.1:5432/rampart
  # normal: no committed write is lost if the process dies; full: none lost on power loss
  # either, at the price of an fsync on every commit.
  sqlite_synchronous: normal
  # Content-addressed store for artifacts (models, dataset manifests).
  blobs: .rampart/blobs

ledger:
  # Ed25519 key that signs ledger checkpoints (made by \`rampart init\`, mode 0600).
  # RAMPART_LEDGER_KEY_FILE overrides this key.
  key_file: .rampart/keys/ledger-ed25519.pem
  checkpoint:
    # A signed checkpoint is written after this many entries ...
    every_entries: 1000
    # ... or when this many seconds have passed since the last one, whichever comes first.
    every_seconds: 60

scan:
  # Pickle globals to let through quietly (module.name or module.*), e.g. your own classes.
  allow_globals: []
  # Pickle globals to treat as critical; deny beats allow.
  deny_globals: []
  # Container limits: nesting depth, members per container, and how far one
  # compressed stream may expand (MiB) before it is treated as a bomb.
  max_depth: 8
  max_members: 10000
  max_expanded_mib: 4096

findings:
  # Commands exit 1 when a finding at or above this severity exists
  # (info, low, medium, high, critical). --fail-on overrides it.
  fail_on: high

models:
  # Encrypt registered model artifacts at rest (AES-256-GCM, a fresh data key per file).
  # When true, RAMPART_KEK_FILE must name a file holding the 32-byte key-encryption key:
  # raw bytes, 64 hex digits or base64 (\`openssl rand 32 > kek.bin\`). Keep it off this disk.
  encrypt_at_rest: false
  # \`rampart model promote\` passes only when every rule below holds; a refusal lists each one.
  promotion:
    # The version must carry a model signature (\`rampart model register --signature\`) ...
    require_signature: true
    # ... that verifies against one of these public keys (PEM files) ...
    trusted_keys: []
    # ... or, for certificate-chain signatures, chains to one of these CA certificates (PEM) ...
    trusted_certificate_roots: []
    # ... or, for keyless Sigstore signatures, one of these identities, e.g.
    # - { identity: release-bot@example.com, issuer: https://accounts.google.com }
    trusted_identities: []
    # The artifact is scanned again at promotion: a finding above this severity blocks it.
    max_scan_severity: medium
    # Every training dataset snapshot must be vetted; an unknown one fails the rule.
    require_vetted_datasets: true

data:
  # ECDSA P-256 key that signs dataset snapshot manifests (in-toto Statement in a DSSE envelope).
  signing_key_file: .rampart/keys/data-p256.pem
  # Where training data comes from and how far it is trusted: trusted, vetted or untrusted.
  # A source not listed is untrusted: its snapshots stay quarantined until
  # \`rampart data vet\` passes them or an admin runs \`rampart data approve\`. For example:
  #   feedback: { trust: untrusted, description: chargeback labels from the web app }
  sources: {}
  # Who may \`rampart data approve\` a quarantined snapshot without a passing vet: actor names
  # as the ledger records them (RAMPART_ACTOR, else user@host). Empty: nobody may.
  approvers: []
  validation:
    # False-alarm rate for one batch's per-column drift tests, corrected for the number of
    # columns (holm: family-wise error; bh: false discovery rate).
    alpha: 0.05
    correction: holm
`;
}
