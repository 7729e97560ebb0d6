/**
 * Runs the poisoning detectors over one dataset and merges what they say into one report.
 * Per row: flagged when any detector flagged it (each detector already cuts at its own
 * calibrated threshold; requiring agreement would let an attack that only one lens sees through),
 * score = the highest detector score (so "score ≥ 0.5" and "flagged" agree for detectors that
 * follow the 0.5 convention), reasons = every detector's reason. Per source: the highest score
 * and any flag among the detectors that score contributors.
 */
import { type AssetRef, type Finding, RampartError } from "../../core/index.js";
import { applyEncoding, encodeFeatures } from "../encode/index.js";
import type { Table } from "../table/types.js";
import { createPoisoningContext, type PoisoningContextOptions } from "./context.js";
import { clamp01, round } from "./numbers.js";
import { DEFAULT_DETECTORS } from "./registry.js";
import type { PoisoningDetector, PoisoningInput, RowFlag } from "./types.js";

export interface InspectRow {
  row: number;
  score: number;
  flagged: boolean;
  reasons: string[];
}

export interface InspectSource {
  source: string;
  score: number;
  flagged: boolean;
}

export interface DetectorRun {
  name: string;
  ran: boolean;
  skipped?: string;
  seconds: number;
  flagged?: number;
}

export interface InspectReport {
  findings: Finding[];
  /** Every input row, in order. */
  rows: InspectRow[];
  /** Every contributor, most suspicious first (empty without a source column). */
  sources: InspectSource[];
  detectors: DetectorRun[];
  /** Rows flagged by each detector that ran, by detector name. */
  flaggedBy: Record<string, number[]>;
}

export interface InspectOptions extends PoisoningContextOptions {
  detectors?: readonly PoisoningDetector[];
  /** Overrides input.seed. */
  seed?: number;
}

export async function inspectPoisoning(
  input: PoisoningInput,
  options: InspectOptions = {},
): Promise<InspectReport> {
  const resolved = options.seed === undefined ? input : { ...input, seed: options.seed };
  const context = createPoisoningContext(resolved, options);
  const n = resolved.nRows;
  const scores = new Float64Array(n);
  const flagged = new Uint8Array(n);
  const reasons: string[][] = Array.from({ length: n }, () => []);
  const sources = new Map<string, InspectSource>();
  for (const name of resolved.sources?.names ?? []) {
    sources.set(name, { source: name, score: 0, flagged: false });
  }
  const findings: Finding[] = [];
  const runs: DetectorRun[] = [];
  const flaggedBy: Record<string, number[]> = {};
  for (const detector of options.detectors ?? DEFAULT_DETECTORS) {
    if (!detector.applies(resolved)) {
      runs.push({
        name: detector.name,
        ran: false,
        skipped: skipReason(detector, resolved),
        seconds: 0,
      });
      continue;
    }
    const start = process.hrtime.bigint();
    const result = await detector.run(context);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    runs.push({
      name: detector.name,
      ran: true,
      seconds: round(seconds, 3),
      flagged: result.flagged.length,
    });
    findings.push(...result.findings);
    flaggedBy[detector.name] = result.flagged.map((f: RowFlag) => f.row);
    if (result.rowScores !== undefined) {
      for (let i = 0; i < n; i++)
        if (result.rowScores[i]! > scores[i]!) scores[i] = result.rowScores[i]!;
    }
    for (const flag of result.flagged) {
      if (flag.row < 0 || flag.row >= n) continue;
      flagged[flag.row] = 1;
      if (flag.score > scores[flag.row]!) scores[flag.row] = flag.score;
      reasons[flag.row]!.push(`${detector.name}: ${flag.reason}`);
    }
    for (const s of result.sources ?? []) {
      const current = sources.get(s.source) ?? { source: s.source, score: 0, flagged: false };
      sources.set(s.source, {
        source: s.source,
        score: Math.max(current.score, s.score),
        flagged: current.flagged || s.flagged,
      });
    }
  }
  const rows: InspectRow[] = Array.from({ length: n }, (_, i) => ({
    row: i,
    score: round(clamp01(scores[i]!), 3),
    flagged: flagged[i] === 1,
    reasons: reasons[i]!,
  }));
  const sourceList = [...sources.values()]
    .map((s) => ({ ...s, score: round(s.score, 3) }))
    .sort(
      (a, b) =>
        Number(b.flagged) - Number(a.flagged) ||
        b.score - a.score ||
        a.source.localeCompare(b.source),
    );
  return { findings, rows, sources: sourceList, detectors: runs, flaggedBy };
}

function skipReason(detector: PoisoningDetector, input: PoisoningInput): string {
  if (detector.name === "perSource" || detector.name === "rejectOnNegativeImpact") {
    if (input.sources === undefined) return "no source column (--source-column)";
  }
  return `does not apply to this data (${input.nRows} rows, ${input.nFeatures} features, ${input.classes.length} classes)`;
}

export interface InspectTableOptions extends PoisoningContextOptions {
  label: string;
  source?: string;
  /** Known-good data with the same columns, encoded like the inspected table. */
  trusted?: Table;
  asset: AssetRef;
  seed?: number;
  exclude?: string[];
  /** Detector names to run (default: all). */
  detectors?: string[];
}

export async function inspectTable(
  table: Table,
  options: InspectTableOptions,
): Promise<InspectReport & { encoding: ReturnType<typeof encodeFeatures>["encoding"] }> {
  const encoded = encodeFeatures(table, {
    label: options.label,
    ...(options.exclude ? { exclude: options.exclude } : {}),
    ...(options.source ? { source: options.source } : {}),
  });
  const input: PoisoningInput = {
    X: encoded.X,
    nRows: encoded.nRows,
    nFeatures: encoded.nFeatures,
    featureNames: encoded.featureNames,
    y: encoded.y,
    classes: encoded.classes,
    asset: options.asset,
    seed: options.seed ?? 0,
    ...(encoded.sources ? { sources: encoded.sources } : {}),
  };
  if (options.trusted !== undefined) {
    const trusted = applyEncoding(options.trusted, encoded.encoding);
    input.trusted = trusted;
  }
  const detectors = selectDetectors(options.detectors);
  const report = await inspectPoisoning(input, {
    detectors,
    ...(options.fit ? { fit: options.fit } : {}),
    ...(options.folds ? { folds: options.folds } : {}),
  });
  return { ...report, encoding: encoded.encoding };
}

export function selectDetectors(names: string[] | undefined): readonly PoisoningDetector[] {
  if (names === undefined || names.length === 0) return DEFAULT_DETECTORS;
  const known = new Map(DEFAULT_DETECTORS.map((d) => [d.name, d]));
  return names.map((name) => {
    const detector = known.get(name);
    if (detector === undefined) {
      throw new RampartError("E_USAGE", `no poisoning detector "${name}"`, {
        hint: `use some of ${[...known.keys()].join(", ")}`,
      });
    }
    return detector;
  });
}
