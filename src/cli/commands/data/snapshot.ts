import type { Command } from "commander";
import {
  atLeast,
  ExitCode,
  type Finding,
  RampartError,
  type Severity,
} from "../../../core/index.js";
import {
  approveSnapshot,
  createSnapshot,
  listSnapshots,
  loadDataSigner,
  loadDataVerifier,
  recordVet,
  requireApprover,
  requireSnapshot,
  type SnapshotContext,
  type SnapshotRecord,
  type SnapshotVerification,
  snapshotAsset,
  verifySnapshot,
} from "../../../data/snapshot/index.js";
import { readTable } from "../../../data/table/index.js";
import { listFindings, type Store, saveFindings } from "../../../store/index.js";
import { sortFindings } from "../../findingsView.js";
import { failOnFlag } from "../../flags.js";
import { type Output, paint, renderTable } from "../../output.js";
import { currentActor, type GlobalOptions, type Project } from "../../project.js";
import { withStore } from "../../projectStore.js";
import { action, type RunState } from "../../runner.js";
import { loadDataArgument } from "./input.js";

/**
 * `rampart data snapshot | verify | list | show | vet | approve`: signed dataset snapshots
 * and their trust status, thin over src/data/snapshot. Every change is a ledger entry in the
 * same transaction as the change; a failed verification is a critical finding and exit 1.
 */

interface SnapshotOptions {
  dataset: string;
  source: string;
  contributor?: string;
  parent?: string[];
}

interface VerifyOptions {
  root?: string;
  publicKey?: string;
}

interface VetOptions extends VerifyOptions {
  label: string;
  sourceColumn?: string;
  trusted?: string;
  seed?: string;
}

interface ApproveOptions extends VerifyOptions {
  reason: string;
}

export function registerDataSnapshot(data: Command, state: RunState): void {
  data
    .command("snapshot")
    .description(
      "take a signed snapshot of data files: digests, schema, profile, source and trust (untrusted sources are quarantined)",
    )
    .argument("<path...>", "the data files (CSV, Parquet, JSONL), or folders of them")
    .requiredOption("--dataset <name>", "the dataset this snapshot belongs to, e.g. transactions")
    .requiredOption("--source <name>", "where the data came from (rampart.yaml data.sources)")
    .option("--contributor <id>", "who contributed it (a client, a team, a feed)")
    .option("--parent <snapshot...>", "snapshot(s) this one derives from (ids or prefixes)")
    .action(
      action<SnapshotOptions>(
        state,
        "rampart/data-snapshot@1",
        async ({ out, global }, options, args) =>
          withSnapshots(global, async (ctx, project) => {
            const signer = loadDataSigner(dataKeyPath(project));
            const result = await createSnapshot(ctx, {
              paths: args,
              dataset: options.dataset,
              source: options.source,
              ...(options.contributor === undefined ? {} : { contributor: options.contributor }),
              ...(options.parent === undefined ? {} : { parents: options.parent }),
              signer,
            });
            const r = result.record;
            if (!result.trust.listed) {
              out.warn(
                `warning: source "${r.source}" is not listed in rampart.yaml data.sources, so it is untrusted and the snapshot is quarantined`,
              );
            }
            const p = paint(out);
            out.line(`${p.green("✓")} snapshot ${p.bold(r.id)}`);
            out.line(`  dataset  ${r.dataset}`);
            out.line(`  status   ${statusText(p, r)}`);
            out.line(
              `  source   ${r.source} (${r.trust})${r.contributor ? `, contributor ${r.contributor}` : ""}`,
            );
            out.line(`  rows     ${r.rows} in ${r.files.length} file(s)`);
            out.line(`  root     sha256:${r.rootDigest}`);
            out.line(`  signed   key ${r.keyId.slice(0, 16)}…`);
            if (r.status === "quarantined") {
              out.line("");
              out.line(
                `Quarantined: \`rampart data vet ${r.id.slice(0, 12)} --label COLUMN\` runs the poisoning checks.`,
              );
            }
            out.document({
              schema: "rampart/data-snapshot@1",
              ok: true,
              findings: [],
              source_listed: result.trust.listed,
              snapshot: snapshotDocument(r),
            });
            return ExitCode.ok;
          }),
      ),
    );

  data
    .command("verify")
    .description(
      "re-hash a snapshot's files and check its signature and stored record; exit 1 on any mismatch",
    )
    .argument("<snapshot>", "snapshot id or unique prefix")
    .option("--root <dir>", "look for the files (by their snapshot names) under this folder")
    .option(
      "--public-key <pem>",
      "verify against this public key instead of the project's data key",
    )
    .action(
      action<VerifyOptions>(
        state,
        "rampart/data-verify@1",
        async ({ out, global }, options, args) =>
          withStore(global, async (store, project) => {
            const record = await requireSnapshot(store, args[0] ?? "");
            const verification = await verifyRecord(project, record, options);
            await saveFindings(store, verification.findings);
            printVerification(out, record, verification);
            out.document({
              schema: "rampart/data-verify@1",
              ok: verification.verified,
              findings: verification.findings,
              ...verificationDocument(record, verification),
            });
            return verification.verified ? ExitCode.ok : ExitCode.findings;
          }),
      ),
    );

  data
    .command("list")
    .description("list dataset snapshots with their status, source and trust")
    .option("--dataset <name>", "only this dataset's snapshots")
    .action(
      action<{ dataset?: string }>(state, "rampart/data-list@1", async ({ out, global }, options) =>
        withStore(global, async (store) => {
          const snapshots = await listSnapshots(
            store,
            options.dataset === undefined ? {} : { dataset: options.dataset },
          );
          printList(out, snapshots);
          out.document({
            schema: "rampart/data-list@1",
            ok: true,
            findings: [],
            snapshots: snapshots.map(snapshotDocument),
          });
          return ExitCode.ok;
        }),
      ),
    );

  data
    .command("show")
    .description("show a snapshot: status, source, trust, files, profile summary, findings")
    .argument("<snapshot>", "snapshot id or unique prefix")
    .option("--envelope", "print only its signed DSSE envelope (to verify elsewhere)")
    .option("--fail-on <severity>", "exit 1 when a stored finding is at or above it (default high)")
    .action(
      action<{ envelope?: boolean; failOn?: string }>(
        state,
        "rampart/data-show@1",
        async ({ out, global }, options, args) =>
          withStore(global, async (store, project) => {
            const failOn = failOnFlag(options.failOn) ?? project.config.findings.fail_on;
            const record = await requireSnapshot(store, args[0] ?? "");
            if (options.envelope) {
              // The envelope is the product, so stdout carries it even with --json.
              state.streams.stdout.write(`${JSON.stringify(record.envelope, null, 2)}\n`);
              return ExitCode.ok;
            }
            const findings = sortFindings(await snapshotFindings(store, record));
            const profile = profileOf(record);
            printShow(out, record, profile, findings);
            const failing = findings.some((f) => atLeast(f.severity, failOn));
            out.document({
              schema: "rampart/data-show@1",
              ok: !failing,
              findings,
              fail_on: failOn,
              snapshot: snapshotDocument(record),
              schema_columns: statementOf(record)?.predicate.schema ?? [],
              profile,
            });
            return failing ? ExitCode.findings : ExitCode.ok;
          }),
      ),
    );

  data
    .command("vet")
    .description(
      "run the poisoning checks on a snapshot; it is vetted when no finding is above low, else (back) in quarantine",
    )
    .argument("<snapshot>", "snapshot id or unique prefix")
    .requiredOption("--label <column>", "the label column")
    .option("--source-column <column>", "the column naming each row's contributor")
    .option("--trusted <snapshot|path>", "known-good data to compare against")
    .option("--seed <n>", "seed for the checks' random choices", "1")
    .option("--root <dir>", "look for the files (by their snapshot names) under this folder")
    .option(
      "--public-key <pem>",
      "verify against this public key instead of the project's data key",
    )
    .action(
      action<VetOptions>(state, "rampart/data-vet@1", async ({ out, global }, options, args) =>
        withSnapshots(global, async (ctx, project) => {
          const seed = Number(options.seed ?? "1");
          if (!Number.isSafeInteger(seed)) {
            throw new RampartError("E_USAGE", `--seed "${options.seed}" is not an integer`);
          }
          const record = await requireSnapshot(ctx.store, args[0] ?? "");
          const checked = await refuseUnverified(ctx, out, project, record, options, "vet");
          if ("exitCode" in checked) return checked.exitCode;
          // Read the files just verified (signature, row, digests), where they were found.
          const table = await readTable(checked.verified.files.map((f) => f.path));
          const trusted =
            options.trusted === undefined
              ? undefined
              : (await loadDataArgument(project, options.trusted)).table;
          // Loaded here: the detectors and their learners are needed by this verb alone.
          const { inspectTable } = await import("../../../data/poisoning/index.js");
          const report = await inspectTable(table, {
            label: options.label,
            ...(options.sourceColumn === undefined ? {} : { source: options.sourceColumn }),
            ...(trusted === undefined ? {} : { trusted }),
            asset: snapshotAsset(record.dataset, record.id),
            seed,
          });
          const result = await recordVet(ctx, record, report.findings, {
            label: options.label,
            source_column: options.sourceColumn ?? null,
            trusted: options.trusted ?? null,
            seed,
            flagged_rows: report.rows.filter((r) => r.flagged).length,
            flagged_sources: report.sources.filter((s) => s.flagged).map((s) => s.source),
          });
          const findings = sortFindings(report.findings);
          const p = paint(out);
          const short = record.id.slice(0, 12);
          if (result.passed) {
            out.line(
              `${p.green("✓")} ${short} of ${record.dataset} passed the poisoning checks: ${result.from} → ${result.to}`,
            );
          } else {
            out.line(
              `${p.red("✗")} ${short} of ${record.dataset} failed the poisoning checks (worst finding ${result.worst}): ${result.from} → ${result.to}`,
            );
          }
          if (findings.length > 0) {
            out.line("");
            out.line(findingsTable(findings, p));
          }
          out.document({
            schema: "rampart/data-vet@1",
            ok: result.passed,
            findings,
            passed: result.passed,
            from: result.from,
            to: result.to,
            snapshot: snapshotDocument(result.record),
            rows: report.rows.filter((r) => r.flagged),
            sources: report.sources,
          });
          return result.passed ? ExitCode.ok : ExitCode.findings;
        }),
      ),
    );

  data
    .command("approve")
    .description(
      "an approver's override: let a quarantined snapshot be used without a passing vet (rampart.yaml data.approvers)",
    )
    .argument("<snapshot>", "snapshot id or unique prefix")
    .requiredOption("--reason <text>", "why; recorded on the ledger")
    .option("--root <dir>", "look for the files (by their snapshot names) under this folder")
    .option(
      "--public-key <pem>",
      "verify against this public key instead of the project's data key",
    )
    .action(
      action<ApproveOptions>(
        state,
        "rampart/data-approve@1",
        async ({ out, global }, options, args) =>
          withSnapshots(global, async (ctx, project) => {
            const record = await requireSnapshot(ctx.store, args[0] ?? "");
            // Who may approve is settled before the files are read.
            await requireApprover(ctx, record, options.reason);
            const checked = await refuseUnverified(ctx, out, project, record, options, "approve");
            if ("exitCode" in checked) return checked.exitCode;
            const result = await approveSnapshot(ctx, record, options.reason);
            const p = paint(out);
            const short = record.id.slice(0, 12);
            if (result.outcome === "unchanged") {
              out.line(
                `${short} of ${record.dataset} is ${result.from}, not quarantined; nothing to do`,
              );
            } else {
              out.line(
                `${p.green("✓")} ${short} of ${record.dataset} approved by ${ctx.actor}: ${result.from} → ${result.to}`,
              );
            }
            out.document({
              schema: "rampart/data-approve@1",
              ok: true,
              findings: [],
              outcome: result.outcome,
              from: result.from,
              to: result.to,
              snapshot: snapshotDocument(result.record),
            });
            return result.outcome === "unchanged" ? ExitCode.nothingToDo : ExitCode.ok;
          }),
      ),
    );
}

function dataKeyPath(project: Project): string {
  return project.path(project.config.data.signing_key_file);
}

async function verifyRecord(
  project: Project,
  record: SnapshotRecord,
  options: VerifyOptions,
): Promise<SnapshotVerification> {
  const publicKey = loadDataVerifier(dataKeyPath(project), options.publicKey);
  return verifySnapshot(record, {
    publicKey,
    ...(options.root === undefined ? {} : { root: options.root }),
  });
}

/**
 * Vet and approve make a snapshot usable, so they run only on one that still verifies.
 * Returns the exit code when refused (findings printed and saved), else the verification.
 */
async function refuseUnverified(
  ctx: SnapshotContext,
  out: Output,
  project: Project,
  record: SnapshotRecord,
  options: VerifyOptions,
  verb: "vet" | "approve",
): Promise<{ exitCode: number } | { verified: SnapshotVerification }> {
  const verification = await verifyRecord(project, record, options);
  if (verification.verified) return { verified: verification };
  await saveFindings(ctx.store, verification.findings);
  await ctx.ledger.append([
    {
      actor: ctx.actor,
      kind: `data.${verb}.refused`,
      asset: snapshotAsset(record.dataset, record.id),
      payload: {
        status: record.status,
        why: "snapshot does not verify",
        findings: verification.findings.map((f) => f.id),
      },
    },
  ]);
  out.warn(
    `rampart: cannot ${verb} ${record.id.slice(0, 12)}: it no longer matches its signed snapshot`,
  );
  printVerification(out, record, verification);
  out.document({
    schema: `rampart/data-${verb}@1`,
    ok: false,
    findings: verification.findings,
    refused: true,
    ...verificationDocument(record, verification),
  });
  return { exitCode: ExitCode.findings };
}

async function withSnapshots(
  global: GlobalOptions,
  fn: (ctx: SnapshotContext, project: Project) => Promise<number>,
): Promise<number> {
  return withStore(global, async (store, project) => {
    const ledger = project.openWriter(store);
    try {
      return await fn({ store, ledger, config: project.config, actor: currentActor() }, project);
    } finally {
      await ledger.close();
    }
  });
}

async function snapshotFindings(store: Store, record: SnapshotRecord): Promise<Finding[]> {
  const all = await listFindings(store, { asset: { kind: "dataset", id: record.dataset } });
  return all.filter((f) => f.asset.version === record.id);
}

/** The --json form of a snapshot: the record without the (long) envelope. */
function snapshotDocument(r: SnapshotRecord): Record<string, unknown> {
  const { envelope: _envelope, ...rest } = r;
  return rest;
}

function verificationDocument(
  record: SnapshotRecord,
  v: SnapshotVerification,
): Record<string, unknown> {
  return {
    verified: v.verified,
    snapshot: { id: record.id, dataset: record.dataset, status: record.status },
    signature: v.signature,
    record: v.record,
    files: v.files.map((f) => ({
      name: f.name,
      path: f.path,
      status: f.status,
      expected: f.expected,
      ...(f.actual === undefined ? {} : { actual: f.actual }),
    })),
  };
}

function statementOf(record: SnapshotRecord) {
  try {
    return JSON.parse(Buffer.from(record.envelope.payload, "base64").toString("utf8")) as {
      predicate: { schema: unknown[]; profile: unknown };
    };
  } catch {
    return undefined;
  }
}

interface ProfileColumnView {
  name: string;
  kind: string;
  sqlType?: string;
  nulls?: number;
  distinct?: number;
  min?: number | null;
  max?: number | null;
  mean?: number | null;
  top?: { value: string; count: number }[];
}

/** The profile as signed (unknown shape from the payload, read defensively for display). */
function profileOf(record: SnapshotRecord): { rows?: number; columns: ProfileColumnView[] } {
  const profile = statementOf(record)?.predicate.profile as
    | { rows?: number; columns?: ProfileColumnView[] }
    | undefined;
  return {
    ...(typeof profile?.rows === "number" ? { rows: profile.rows } : {}),
    columns: Array.isArray(profile?.columns) ? profile.columns : [],
  };
}

function statusText(p: ReturnType<typeof paint>, r: SnapshotRecord): string {
  if (r.status === "quarantined") return p.yellow("quarantined");
  return p.green(r.status);
}

function printVerification(out: Output, record: SnapshotRecord, v: SnapshotVerification): void {
  const p = paint(out);
  const short = record.id.slice(0, 12);
  out.line(
    v.verified
      ? `${p.green("✓")} snapshot ${short} of ${record.dataset} verified: signature, record and ${v.files.length} file(s)`
      : `${p.red("✗")} snapshot ${short} of ${record.dataset} FAILED verification`,
  );
  out.line(
    `  signature  ${v.signature.ok ? `ok (key ${(v.signature.keyId ?? "").slice(0, 16)}…)` : p.red(`bad: ${v.signature.reason ?? "invalid"}`)}`,
  );
  out.line(
    `  record     ${v.record.ok ? "matches the signed statement" : p.red(`differs: ${v.record.mismatches.join(", ")}`)}`,
  );
  out.line(
    renderTable(
      ["file", "status", "path"],
      v.files.map((f) => [f.name, f.status, f.path]),
      {
        maxWidth: 90,
        colorize: (col, text) =>
          col === 1 ? (text.trim() === "ok" ? p.green(text) : p.red(text)) : text,
      },
    ),
  );
}

function printList(out: Output, snapshots: SnapshotRecord[]): void {
  if (snapshots.length === 0) {
    out.line("no dataset snapshot yet (rampart data snapshot FILE… --dataset NAME --source SRC)");
    return;
  }
  const p = paint(out);
  out.line(
    renderTable(
      ["id", "dataset", "status", "source", "trust", "rows", "files", "created"],
      snapshots.map((s) => [
        s.id.slice(0, 12),
        s.dataset,
        s.status,
        s.source,
        s.trust,
        String(s.rows),
        String(s.files.length),
        s.createdAt.replace("T", " ").replace(/\.\d+Z$/, "Z"),
      ]),
      {
        colorize: (col, text) =>
          col === 2 ? (text.trim() === "quarantined" ? p.yellow(text) : p.green(text)) : text,
      },
    ),
  );
}

function printShow(
  out: Output,
  r: SnapshotRecord,
  profile: ReturnType<typeof profileOf>,
  findings: Finding[],
): void {
  const p = paint(out);
  out.line(p.bold(`snapshot ${r.id}`));
  out.line(`  dataset      ${r.dataset}`);
  out.line(
    `  status       ${statusText(p, r)} since ${r.statusChangedAt} by ${r.statusChangedBy}${r.statusReason ? ` (${r.statusReason})` : ""}`,
  );
  out.line(`  source       ${r.source} (trust: ${r.trust})`);
  if (r.contributor !== null) out.line(`  contributor  ${r.contributor}`);
  if (r.parents.length > 0) out.line(`  parents      ${r.parents.join(", ")}`);
  out.line(`  rows         ${r.rows}`);
  out.line(`  root         sha256:${r.rootDigest}`);
  out.line(`  created      ${r.createdAt} by ${r.createdBy}`);
  out.line(
    `  signed       key ${r.keyId.slice(0, 16)}… (rampart data show ${r.id.slice(0, 12)} --envelope)`,
  );
  out.line("");
  out.line(
    renderTable(
      ["file", "rows", "size", "sha256"],
      r.files.map((f) => [f.name, String(f.rows), String(f.size), f.sha256]),
      { maxWidth: 80 },
    ),
  );
  if (profile.columns.length > 0) {
    out.line("");
    out.line(
      renderTable(
        ["column", "kind", "type", "nulls", "distinct", "summary"],
        profile.columns.map((c) => [
          c.name,
          c.kind,
          c.sqlType ?? "",
          c.nulls === undefined ? "" : String(c.nulls),
          c.distinct === undefined ? "" : String(c.distinct),
          columnSummary(c),
        ]),
        { maxWidth: 60 },
      ),
    );
  }
  if (findings.length > 0) {
    out.line("");
    out.line(findingsTable(findings, p));
  }
}

function columnSummary(c: ProfileColumnView): string {
  const num = (x: number | null | undefined) =>
    typeof x === "number" ? Number(x.toPrecision(6)).toString() : "-";
  if (c.kind === "numeric") return `min ${num(c.min)}  mean ${num(c.mean)}  max ${num(c.max)}`;
  const top = Array.isArray(c.top) ? c.top.slice(0, 3) : [];
  return top.map((t) => `${t.value} (${t.count})`).join(", ");
}

function findingsTable(findings: Finding[], p: ReturnType<typeof paint>): string {
  return renderTable(
    ["severity", "detector", "finding"],
    findings.map((f) => [f.severity, f.detector, f.title]),
    {
      maxWidth: 90,
      colorize: (col, text) =>
        col === 0 ? p.severity(text.trim() as Severity) + text.slice(text.trim().length) : text,
    },
  );
}
