import { readFileSync } from "node:fs";
import type { Command } from "commander";
import {
  atLeast,
  ExitCode,
  type Finding,
  isSeverity,
  RampartError,
  type Severity,
} from "../../../core/index.js";
import { findSnapshot } from "../../../data/snapshot/index.js";
import { snapshotVetting } from "../../../data/sources/index.js";
import {
  archiveModel,
  checkModelName,
  formatModelRef,
  getModelVersion,
  kekFromEnvironment,
  listModelVersions,
  type PromotionTarget,
  parseModelRef,
  promoteModel,
  type RegisterInput,
  RegistryContext,
  registerModel,
  rollbackModel,
  type StoredVersion,
  type VersionVerification,
  verifyStoredModels,
} from "../../../model/registry/index.js";
import { BlobStore, listFindings, type Store } from "../../../store/index.js";
import { sortFindings } from "../../findingsView.js";
import { failOnFlag } from "../../flags.js";
import { type Output, paint, renderTable } from "../../output.js";
import { currentActor, type GlobalOptions, Project } from "../../project.js";
import { withStore } from "../../projectStore.js";
import { action, type CommandContext, type RunState } from "../../runner.js";

/**
 * `rampart model register | list | show | promote | rollback | archive | verify --all`: the
 * registry verbs, thin over src/model/registry. Every change is a ledger entry; a refused
 * promotion lists every unmet rule as a finding and exits 1.
 */

interface RegisterOptions {
  version?: string;
  name: string;
  dataset?: string[];
  metrics?: string;
  signature?: string;
  gitCommit?: string;
  param?: string[];
  parent?: string;
  task?: string;
  architecture?: string;
  description?: string;
  failOn?: string;
}

export function registerModelRegistry(model: Command, state: RunState): void {
  model
    .command("register")
    .description(
      "register a model file or folder: stored (content-addressed, optionally encrypted), signature verified, scanned, versioned",
    )
    .argument("<path>", "the model's file or folder (put it before variadic options)")
    .requiredOption(
      "--name <name[@version]>",
      "the model's name, e.g. fraud or @team/fraud; NAME@VERSION also sets the version",
    )
    .option(
      "--version <version>",
      "the version (default: one past the highest integer version of this name)",
    )
    .option("--dataset <snapshot...>", "dataset snapshot ids the model was trained on")
    .option("--metrics <file>", 'a JSON file of metrics, e.g. {"auc": 0.93}')
    .option("--signature <file>", "its OpenSSF model signature (model.sig), verified now")
    .option("--git-commit <sha>", "the commit of the training code")
    .option("--param <key=value...>", "training parameters")
    .option("--parent <name@version>", "the registered model it was trained from")
    .option("--task <task>", "model card: what it does, e.g. classification")
    .option("--architecture <architecture>", "model card: e.g. gradient-boosted trees")
    .option("--description <text>", "model card: a sentence about it")
    .option("--fail-on <severity>", "exit 1 when a scan finding is at or above it (default high)")
    .action(
      action<RegisterOptions>(
        state,
        "rampart/model-register@1",
        async ({ out, global }, options, args) => {
          const input = registerInput(args[0] ?? "", options);
          return withRegistry(global, async (ctx, project) => {
            const failOn = failOnFlag(options.failOn) ?? project.config.findings.fail_on;
            if (input.datasets !== undefined) {
              input.datasets = await resolveDatasets(ctx.store, input.datasets, out);
            }
            const result = await registerModel(ctx, input);
            const findings = sortFindings(result.findings);
            const failing = findings.filter((f) => atLeast(f.severity, failOn));
            printRegistration(out, result.ok, result.version, findings, failOn);
            out.document({
              schema: "rampart/model-register@1",
              ok: result.ok && failing.length === 0,
              findings,
              fail_on: failOn,
              registered: result.ok,
              model: versionDocument(result.version),
            });
            return !result.ok || failing.length > 0 ? ExitCode.findings : ExitCode.ok;
          });
        },
      ),
    );

  model
    .command("list")
    .description("list registered model versions")
    .option("--name <name>", "only this model's versions")
    .action(
      action<{ name?: string }>(state, "rampart/model-list@1", async ({ out, global }, options) => {
        if (options.name !== undefined) checkModelName(options.name);
        return withStore(global, async (store) => {
          const versions = await listModelVersions(
            store,
            options.name === undefined ? {} : { name: options.name },
          );
          printList(out, versions);
          out.document({
            schema: "rampart/model-list@1",
            ok: true,
            findings: [],
            models: versions.map(versionDocument),
          });
          return ExitCode.ok;
        });
      }),
    );

  model
    .command("show")
    .description("show one model version: record, lineage, signature, scan, findings")
    .argument("<model>", "NAME@VERSION")
    .option("--fail-on <severity>", "exit 1 when a stored finding is at or above it (default high)")
    .action(
      action<{ failOn?: string }>(
        state,
        "rampart/model-show@1",
        async ({ out, global }, options, args) => {
          const { name, version } = parseModelRef(args[0] ?? "");
          return withStore(global, async (store, project) => {
            const failOn = failOnFlag(options.failOn) ?? project.config.findings.fail_on;
            const record = await getModelVersion(store, name, version);
            if (record === undefined) throw notRegistered(name, version);
            const findings = (
              await listFindings(store, { asset: { kind: "model", id: name } })
            ).filter((f) => f.asset.version === version);
            printShow(out, record, findings);
            const failing = findings.some((f) => atLeast(f.severity, failOn));
            out.document({
              schema: "rampart/model-show@1",
              ok: !failing,
              findings,
              fail_on: failOn,
              model: versionDocument(record),
            });
            return failing ? ExitCode.findings : ExitCode.ok;
          });
        },
      ),
    );

  model
    .command("promote")
    .description(
      "promote a version to staging or production; refused, listing every unmet rule, unless the policy (models.promotion) holds",
    )
    .argument("<model>", "NAME@VERSION")
    .requiredOption("--to <stage>", "staging or production")
    .action(
      action<{ to: string }>(
        state,
        "rampart/model-promote@1",
        async ({ out, global }, options, args) => {
          const { name, version } = parseModelRef(args[0] ?? "");
          const to = promotionTarget(options.to);
          return withRegistry(global, async (ctx) => {
            const result = await promoteModel(ctx, name, version, to);
            printPromotion(out, result);
            out.document({
              schema: "rampart/model-promote@1",
              ok: result.outcome !== "refused",
              findings: result.outcome === "refused" ? result.findings : [],
              outcome: result.outcome,
              model: { name, version },
              from: result.from,
              to,
              archived: result.archived ?? null,
              rules: result.rules.map((r) => ({ rule: r.rule, ok: r.ok, message: r.message })),
              scan_findings: result.outcome === "refused" ? [] : result.findings,
            });
            if (result.outcome === "refused") return ExitCode.findings;
            return result.outcome === "unchanged" ? ExitCode.nothingToDo : ExitCode.ok;
          });
        },
      ),
    );

  model
    .command("rollback")
    .description("put the previous production version of a model back into production, in one step")
    .argument("<name>", "the model's name")
    .action(
      action(state, "rampart/model-rollback@1", async ({ out, global }, _options, args) => {
        const name = checkModelName(args[0] ?? "");
        return withRegistry(global, async (ctx) => {
          const result = await rollbackModel(ctx, name);
          const p = paint(out);
          if (result.ok) {
            out.line(
              `${p.green("✓")} ${name} rolled back: ${p.bold(result.to.version)} is in production again (${result.from.version} archived)`,
            );
          } else {
            out.line(
              `${p.red("✗")} rollback of ${name} to ${result.to.version} refused: its stored artifact changed since registration`,
            );
            for (const problem of result.integrity.problems) out.line(`  ${problem}`);
          }
          out.document({
            schema: "rampart/model-rollback@1",
            ok: result.ok,
            findings: result.findings,
            model: name,
            from: result.from.version,
            to: result.to.version,
          });
          return result.ok ? ExitCode.ok : ExitCode.findings;
        });
      }),
    );

  model
    .command("archive")
    .description("retire a version that is not in production")
    .argument("<model>", "NAME@VERSION")
    .action(
      action(state, "rampart/model-archive@1", async ({ out, global }, _options, args) => {
        const { name, version } = parseModelRef(args[0] ?? "");
        return withRegistry(global, async (ctx) => {
          const result = await archiveModel(ctx, name, version);
          out.line(
            result.changed
              ? `${formatModelRef(name, version)} archived`
              : `${formatModelRef(name, version)} was already archived; nothing to do`,
          );
          out.document({
            schema: "rampart/model-archive@1",
            ok: true,
            findings: [],
            model: { name, version },
            changed: result.changed,
          });
          return result.changed ? ExitCode.ok : ExitCode.nothingToDo;
        });
      }),
    );

  // `rampart model verify --all` is a mode of the signing verbs' `verify` (sign.ts), which
  // delegates to verifyRegistryAction below.
}

export interface VerifyRegistryOptions {
  all?: boolean;
  name?: string;
}

/**
 * `rampart model verify --all [--name N]`, as an action any `verify` command can delegate to:
 * re-reads every stored artifact, reports per version, exit 1 on any tampering (2 when a
 * version cannot be decrypted for want of RAMPART_KEK_FILE, 4 when nothing is registered).
 */
export async function verifyRegistryAction(
  { out, global }: CommandContext,
  options: VerifyRegistryOptions,
): Promise<number> {
  if (options.name !== undefined) checkModelName(options.name);
  return withRegistry(global, async (ctx) => {
    const report = await verifyStoredModels(
      ctx,
      options.name === undefined ? {} : { name: options.name },
    );
    printVerification(out, report.versions);
    out.document({
      schema: "rampart/model-verify@1",
      ok: report.verified,
      findings: report.findings,
      verified: report.verified,
      versions: report.versions,
      files: report.versions.flatMap((v) =>
        v.files.map((f) => ({
          name: `${formatModelRef(v.name, v.version)}/${f.name}`,
          status: f.status,
        })),
      ),
    });
    if (report.versions.some((v) => v.status === "tampered")) return ExitCode.findings;
    if (report.versions.some((v) => v.status === "unreadable")) return ExitCode.usage;
    return report.versions.length === 0 ? ExitCode.nothingToDo : ExitCode.ok;
  });
}

/** Opens everything a changing verb needs, and closes it (sealing the ledger) afterwards. */
async function withRegistry(
  global: GlobalOptions,
  fn: (ctx: RegistryContext, project: Project) => Promise<number>,
): Promise<number> {
  const project = Project.load(global);
  const kek = kekFromEnvironment();
  const store = await project.openStore();
  try {
    const ledger = project.openWriter(store);
    try {
      const ctx = new RegistryContext({
        store,
        blobs: new BlobStore(project.path(project.config.store.blobs)),
        config: project.config,
        resolvePath: (p) => project.path(p),
        ledger,
        actor: currentActor(),
        ...(kek === undefined ? {} : { kek }),
        // Promotion asks the snapshot table whether each training dataset is vetted.
        vetting: snapshotVetting(store),
      });
      return await fn(ctx, project);
    } finally {
      await ledger.close();
    }
  } finally {
    await store.close();
  }
}

/**
 * Dataset snapshot prefixes (8+ hex digits) become full ids, as `rampart data` accepts them.
 * Anything else is kept as given (ids from another system), with a warning: promotion counts
 * a dataset it does not know as not vetted.
 */
async function resolveDatasets(store: Store, refs: string[], out: Output): Promise<string[]> {
  const ids: string[] = [];
  for (const ref of refs) {
    const snapshot = /^[0-9a-fA-F]{8,64}$/.test(ref) ? await findSnapshot(store, ref) : undefined;
    if (snapshot === undefined) {
      out.warn(
        `warning: --dataset ${ref} is not a snapshot of this project; promotion will count it as unknown (not vetted)`,
      );
    }
    ids.push(snapshot?.id ?? ref);
  }
  return ids;
}

function registerInput(path: string, options: RegisterOptions): RegisterInput {
  const card = {
    ...(options.task === undefined ? {} : { task: options.task }),
    ...(options.architecture === undefined ? {} : { architecture: options.architecture }),
    ...(options.description === undefined ? {} : { description: options.description }),
  };
  // The last `@` after the first character splits, so a scope (`@team/fraud`) stays in the name.
  const at = options.name.lastIndexOf("@");
  const parsed = at > 0 ? parseModelRef(options.name) : { name: options.name, version: undefined };
  if (
    parsed.version !== undefined &&
    options.version !== undefined &&
    parsed.version !== options.version
  ) {
    throw new RampartError(
      "E_USAGE",
      `--name says version ${parsed.version} and --version says ${options.version}`,
      {
        hint: "give the version once: --name NAME --version V, or --name NAME@V",
      },
    );
  }
  const named = { name: parsed.name, version: parsed.version ?? options.version };
  return {
    path,
    name: named.name,
    ...(named.version === undefined ? {} : { version: named.version }),
    ...(options.dataset === undefined ? {} : { datasets: options.dataset }),
    ...(options.metrics === undefined ? {} : { metrics: readMetrics(options.metrics) }),
    ...(options.signature === undefined ? {} : { signaturePath: options.signature }),
    ...(options.gitCommit === undefined ? {} : { gitCommit: options.gitCommit }),
    ...(options.param === undefined ? {} : { parameters: parseParams(options.param) }),
    ...(options.parent === undefined ? {} : { parent: options.parent }),
    ...(Object.keys(card).length === 0 ? {} : { card }),
  };
}

/** A JSON object of numbers; nested objects are flattened with dots (`{"val": {"auc": 1}}` → `val.auc`). */
function readMetrics(file: string): Record<string, number> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new RampartError("E_USAGE", `--metrics ${file} is not a readable JSON file`, {
      hint: 'give a JSON object of numbers, e.g. {"auc": 0.93, "f1": 0.71}',
      cause,
    });
  }
  const metrics: Record<string, number> = {};
  const walk = (value: unknown, prefix: string): void => {
    if (typeof value === "number" && Number.isFinite(value) && prefix !== "") {
      metrics[prefix] = value;
    } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) {
        walk(inner, prefix === "" ? key : `${prefix}.${key}`);
      }
    } else {
      throw new RampartError(
        "E_USAGE",
        `--metrics ${file}: ${prefix === "" ? "the file" : `"${prefix}"`} is not a number or an object of numbers`,
        { hint: 'give a JSON object of numbers, e.g. {"auc": 0.93, "f1": 0.71}' },
      );
    }
  };
  walk(raw, "");
  return metrics;
}

/** `key=value`: numbers and true/false are typed, anything else stays text. */
function parseParams(pairs: string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new RampartError("E_USAGE", `--param "${pair}" is not key=value`, {
        hint: "e.g. --param learning_rate=0.1 max_depth=6",
      });
    }
    const value = pair.slice(eq + 1);
    const number = Number(value);
    params[pair.slice(0, eq)] =
      value !== "" && Number.isFinite(number) && /^-?[0-9.eE+-]+$/.test(value)
        ? number
        : value === "true"
          ? true
          : value === "false"
            ? false
            : value;
  }
  return params;
}

function promotionTarget(value: string): PromotionTarget {
  if (value !== "staging" && value !== "production") {
    throw new RampartError("E_USAGE", `--to "${value}" is not a stage a model can be promoted to`, {
      hint: "use --to staging or --to production (rollback and archive have their own verbs)",
    });
  }
  return value;
}

function notRegistered(name: string, version: string): RampartError {
  return new RampartError("E_USAGE", `no model ${formatModelRef(name, version)} is registered`, {
    hint: "see rampart model list",
  });
}

/** The --json form of a version: the ModelVersion contract, plus the registry's bookkeeping. */
function versionDocument(v: StoredVersion | RegisterResultVersion): Record<string, unknown> {
  const { signature, ...rest } = v;
  return {
    ...rest,
    // The bundle is long and already on disk with the model; the signer is what people read.
    ...(signature === undefined
      ? {}
      : { signature: { signer: signature.signer, verifiedAt: signature.verifiedAt } }),
  };
}

type RegisterResultVersion = Awaited<ReturnType<typeof registerModel>>["version"];

function printRegistration(
  out: Output,
  ok: boolean,
  v: RegisterResultVersion,
  findings: Finding[],
  failOn: Severity,
): void {
  const p = paint(out);
  const ref = formatModelRef(v.name, v.version);
  if (!ok) {
    out.line(`${p.red("✗")} registration of ${ref} refused: its signature does not verify`);
    for (const f of findings) {
      const problems = f.evidence.problems;
      if (Array.isArray(problems)) for (const problem of problems) out.line(`  ${problem}`);
    }
    return;
  }
  out.line(`${p.green("✓")} registered ${p.bold(ref)} (stage ${v.stage})`);
  for (const [label, text] of describeVersion(v)) out.line(`  ${label.padEnd(9)}${text}`);
  if (findings.length > 0) {
    out.line("");
    out.line(findingsTable(findings, p));
    const failing = findings.filter((f) => atLeast(f.severity, failOn)).length;
    if (failing > 0) out.line(p.red(`✗ ${failing} scan finding(s) at or above ${failOn}`));
  }
}

function describeVersion(v: RegisterResultVersion): [string, string][] {
  const bytes = v.files.reduce((sum, f) => sum + f.size, 0);
  const signer = v.signature?.signer as Record<string, unknown> | undefined;
  const lineage = [
    v.lineage.datasets.length > 0 ? `datasets ${v.lineage.datasets.join(", ")}` : "no datasets",
    v.lineage.parent === undefined ? "" : `parent ${v.lineage.parent}`,
    v.lineage.gitCommit === undefined ? "" : `git ${v.lineage.gitCommit.slice(0, 12)}`,
  ].filter((s) => s !== "");
  return [
    ["digest", v.digest],
    [
      "files",
      `${v.files.length} (${formatBytes(bytes)}), ${v.encrypted ? "encrypted at rest" : "stored unencrypted"}`,
    ],
    [
      "signed",
      signer === undefined
        ? "no"
        : `yes, ${String(signer.kind)} ${String(signer.identity ?? signer.keyId ?? "").slice(0, 24)} (trusted: ${String(signer.trustedBy)})`,
    ],
    [
      "scan",
      v.scan === undefined
        ? "not scanned"
        : v.scan.findings === 0
          ? "no findings"
          : `${v.scan.findings} finding(s), highest ${v.scan.maxSeverity}`,
    ],
    ["lineage", lineage.join("; ")],
  ];
}

function printList(out: Output, versions: StoredVersion[]): void {
  if (versions.length === 0) {
    out.line("no model is registered (rampart model register PATH --name NAME)");
    return;
  }
  const p = paint(out);
  out.line(
    renderTable(
      ["name", "version", "stage", "signed", "encrypted", "scan", "created", "by"],
      versions.map((v) => [
        v.name,
        v.version,
        v.stage,
        v.signature === undefined ? "no" : "yes",
        v.encrypted ? "yes" : "no",
        v.scan?.maxSeverity ?? "clean",
        v.createdAt.replace("T", " ").replace(/\.\d+Z$/, "Z"),
        v.createdBy,
      ]),
      {
        colorize: (col, text) =>
          col === 2 && text.trim() === "production"
            ? p.green(text)
            : col === 5 && isSeverity(text.trim())
              ? p.severity(text.trim() as Severity) + text.slice(text.trim().length)
              : text,
      },
    ),
  );
}

function printShow(out: Output, v: StoredVersion, findings: Finding[]): void {
  const p = paint(out);
  out.line(
    `${p.bold(formatModelRef(v.name, v.version))}  stage ${v.stage} since ${v.stageChangedAt}`,
  );
  for (const [label, text] of describeVersion(v)) out.line(`  ${label.padEnd(9)}${text}`);
  out.line(`  ${"created".padEnd(9)}${v.createdAt} by ${v.createdBy}`);
  if (v.card !== undefined) {
    const card = Object.entries(v.card).map(([k, value]) => `${k}: ${value}`);
    out.line(`  ${"card".padEnd(9)}${card.join("; ")}`);
  }
  const metrics = Object.entries(v.metrics).map(([k, value]) => `${k}=${value}`);
  if (metrics.length > 0) out.line(`  ${"metrics".padEnd(9)}${metrics.join(", ")}`);
  if (v.lineage.parameters !== undefined) {
    out.line(`  ${"params".padEnd(9)}${JSON.stringify(v.lineage.parameters)}`);
  }
  if (v.rolledBackAt !== null)
    out.line(`  ${"rollback".padEnd(9)}rolled back at ${v.rolledBackAt}`);
  out.line("");
  out.line(
    renderTable(
      ["file", "size", "sha256"],
      v.files.map((f) => [f.name, formatBytes(f.size), f.digest.slice(7)]),
      { maxWidth: 80 },
    ),
  );
  if (findings.length > 0) {
    out.line("");
    out.line(findingsTable(sortFindings(findings), p));
  }
}

function printPromotion(out: Output, result: Awaited<ReturnType<typeof promoteModel>>): void {
  const p = paint(out);
  const ref = formatModelRef(result.version.name, result.version.version);
  if (result.outcome === "unchanged") {
    out.line(`${ref} is already in ${result.to}; nothing to do`);
    return;
  }
  const unmet = result.rules.filter((r) => !r.ok).length;
  out.line(
    result.outcome === "promoted"
      ? `${p.green("✓")} ${p.bold(ref)} promoted: ${result.from} → ${result.to}${result.archived === undefined ? "" : ` (${result.version.name}@${result.archived} archived)`}`
      : `${p.red("✗")} promotion of ${p.bold(ref)} to ${result.to} refused: ${unmet} rule(s) unmet`,
  );
  const width = Math.max(...result.rules.map((r) => r.rule.length));
  for (const rule of result.rules) {
    out.line(
      `  ${rule.ok ? p.green("✓") : p.red("✗")} ${rule.rule.padEnd(width)}  ${rule.message}`,
    );
  }
}

function printVerification(out: Output, versions: VersionVerification[]): void {
  const p = paint(out);
  if (versions.length === 0) {
    out.line("no model is registered: nothing to verify");
    return;
  }
  for (const v of versions) {
    const ref = formatModelRef(v.name, v.version);
    const mark =
      v.status === "ok" ? p.green("✓") : v.status === "tampered" ? p.red("✗") : p.yellow("?");
    out.line(
      `${mark} ${ref.padEnd(24)} ${v.stage.padEnd(10)} ${v.status === "ok" ? `${v.files.length} file(s) intact${v.encrypted ? ", decrypted" : ""}` : v.status.toUpperCase()}`,
    );
    for (const problem of v.problems.slice(0, 10)) out.line(`    ${problem}`);
  }
  const tampered = versions.filter((v) => v.status === "tampered").length;
  const unreadable = versions.filter((v) => v.status === "unreadable").length;
  out.line(
    tampered > 0
      ? p.red(`✗ ${tampered} of ${versions.length} version(s) tampered with`)
      : unreadable > 0
        ? p.yellow(`? ${unreadable} version(s) could not be decrypted: set RAMPART_KEK_FILE`)
        : p.green(`✓ all ${versions.length} version(s) verified`),
  );
}

function findingsTable(findings: Finding[], p: ReturnType<typeof paint>): string {
  return renderTable(
    ["severity", "file", "finding"],
    findings.map((f) => [f.severity, String(f.evidence.file ?? f.evidence.rule ?? "-"), f.title]),
    {
      maxWidth: 90,
      colorize: (col, text) =>
        col === 0 ? p.severity(text.trim() as Severity) + text.slice(text.trim().length) : text,
    },
  );
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
