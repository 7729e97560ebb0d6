import type { Command } from "commander";
import {
  atlas,
  createFinding,
  ExitCode,
  type Finding,
  formatAsset,
  owaspMl,
  parseAsset,
  RampartError,
  sha256Hex,
} from "../../core/index.js";
import {
  type LedgerVerification,
  queryEntries,
  saveFindings,
  verifyLedger,
} from "../../store/index.js";
import { paint, renderTable } from "../output.js";
import { Project } from "../project.js";
import { action, type RunState } from "../runner.js";
import { parseSince } from "../since.js";

interface VerifyOptions {
  publicKey?: string;
}

interface LogOptions {
  asset?: string;
  kind?: string;
  since?: string;
  limit?: string;
}

export function registerAudit(program: Command, state: RunState): void {
  const audit = program
    .command("audit")
    .description("the tamper-evident ledger: verify it, read it");

  audit
    .command("verify")
    .description("re-hash the whole ledger and check every signed checkpoint; exit 1 on tampering")
    .option(
      "--public-key <pem>",
      "verify checkpoints against this Ed25519 public key (default: the ledger key's .pub)",
    )
    .action(
      action<VerifyOptions>(state, "rampart/audit-verify@1", async ({ out, global }, options) => {
        const project = Project.load(global);
        const store = await project.openStore();
        try {
          const trusted = project.trustedLedgerKey(options.publicKey);
          const result = await verifyLedger(store, trusted);
          const findings = result.ok ? [] : [tamperFinding(result, store.location)];
          await saveFindings(store, findings);
          printVerification(out, result, store.location, trusted.keyId);
          out.document({
            schema: "rampart/audit-verify@1",
            ok: result.ok,
            findings,
            verified: result.ok,
            database: store.location,
            key_id: trusted.keyId,
            entries: result.entries,
            checkpoints: result.checkpoints,
            unsealed: result.unsealed,
            head: result.head,
            first_bad_seq: result.firstBadSeq,
            problems: result.problems,
          });
          if (!result.ok) return ExitCode.findings;
          return result.entries === 0 ? ExitCode.nothingToDo : ExitCode.ok;
        } finally {
          await store.close();
        }
      }),
    );

  audit
    .command("log")
    .description("list ledger entries, oldest first")
    .option("--asset <kind:id[@version]>", "only entries about this asset, e.g. model:fraud@3")
    .option("--kind <kind>", "only entries of this kind, e.g. rampart.init")
    .option("--since <time>", "only entries at or after an ISO time or a duration ago (24h, 7d)")
    .option("--limit <n>", "at most n entries (the newest n)")
    .action(
      action<LogOptions>(state, "rampart/audit-log@1", async ({ out, global }, options) => {
        const asset = options.asset === undefined ? undefined : parseAssetFlag(options.asset);
        const since = options.since === undefined ? undefined : parseSince(options.since);
        const limit = options.limit === undefined ? undefined : parseLimit(options.limit);
        const project = Project.load(global);
        const store = await project.openStore();
        try {
          let entries = await queryEntries(store, {
            ...(asset === undefined ? {} : { asset }),
            ...(options.kind === undefined ? {} : { kind: options.kind }),
            ...(since === undefined ? {} : { since }),
            ...(limit === undefined ? {} : { limit, descending: true }),
          });
          if (limit !== undefined) entries = entries.reverse();
          const p = paint(out);
          if (entries.length === 0) {
            out.line("no ledger entries match");
          } else {
            out.line(
              renderTable(
                ["seq", "time", "actor", "kind", "asset", "payload"],
                entries.map((e) => [
                  String(e.seq),
                  e.time.replace("T", " ").replace(/\.\d+Z$/, "Z"),
                  e.actor,
                  e.kind,
                  e.asset === null ? "-" : formatAsset(e.asset),
                  e.payload,
                ]),
                {
                  colorize: (col, text) =>
                    col === 0 || col === 5 ? p.dim(text) : col === 3 ? p.bold(text) : text,
                },
              ),
            );
          }
          out.document({
            schema: "rampart/audit-log@1",
            ok: true,
            findings: [],
            entries: entries.map((e) => ({ ...e, payload: JSON.parse(e.payload) as unknown })),
          });
          return ExitCode.ok;
        } finally {
          await store.close();
        }
      }),
    );
}

function parseAssetFlag(text: string) {
  const asset = parseAsset(text);
  if ("error" in asset) {
    throw new RampartError("E_USAGE", `--asset "${text}": ${asset.error}`, {
      hint: "for example --asset model:fraud or --asset dataset:transactions@2026-11-01",
    });
  }
  return asset;
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new RampartError("E_USAGE", `--limit "${text}" is not a positive whole number`);
  }
  return n;
}

function tamperFinding(result: LedgerVerification, location: string): Finding {
  const first = result.problems[0];
  return createFinding({
    // The same tampering seen twice is one finding, not one per `audit verify` run.
    id: `ledger.verify:${sha256Hex(`${location}\n${result.problems.map((p) => `${p.kind}@${p.seq}`).join(",")}`).slice(0, 32)}`,
    detector: "ledger.verify",
    title: `audit ledger tampered with from seq ${result.firstBadSeq}: ${first?.message ?? "verification failed"}`,
    severity: "critical",
    asset: { kind: "file", id: `ledger:${location}` },
    // Tampering with the record of which data trained which model is tampering with the
    // AI supply chain's provenance (ATLAS has no log-tampering technique of its own).
    threats: [atlas("AML.T0010"), owaspMl("ML06")],
    evidence: {
      first_bad_seq: result.firstBadSeq,
      problems: result.problems.slice(0, 20),
      entries: result.entries,
      checkpoints: result.checkpoints,
    },
    remediation:
      "treat the database host as compromised: preserve a copy, compare against a backup or a replica, and investigate who had write access; entries before the first bad seq are still trustworthy",
  });
}

function printVerification(
  out: Parameters<typeof paint>[0],
  result: LedgerVerification,
  location: string,
  keyId: string,
): void {
  const p = paint(out);
  if (result.ok) {
    out.line(
      `${p.green("✓ ledger verified")}: ${result.entries} entries, ${result.checkpoints} signed checkpoints (key ${keyId.slice(0, 16)}…) in ${location}`,
    );
    if (result.unsealed > 0) {
      out.line(
        p.dim(`  ${result.unsealed} newest entries are chained but not yet under a checkpoint`),
      );
    }
    return;
  }
  out.line(
    `${p.red("✗ ledger verification FAILED")} at seq ${p.bold(String(result.firstBadSeq))} in ${location}`,
  );
  for (const problem of result.problems.slice(0, 20)) {
    out.line(`  seq ${problem.seq}  ${problem.kind}  ${problem.message}`);
  }
  if (result.problems.length > 20) out.line(`  … ${result.problems.length - 20} more`);
}
