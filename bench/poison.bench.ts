/**
 * npm run bench:poison — the poisoning detectors against the attacks they exist for, 5 seeds
 * each, every figure beside a naive baseline on the same data: the baseline flags rows whose
 * out-of-fold prediction (same surrogate, one pass) differs from their label.
 *
 *   random flips 10% (breast_cancer, digits)    F1 of the label detectors' flags ≥ 0.88
 *   fraud → legit, 30% of fraud (20k rows, 2%)   F1 ≥ 0.65 (confident learning alone beside it)
 *   20 contributors, one flips 30% of its rows   that contributor ranked first, no clean one flagged
 *   tabular backdoor in 1% of rows (digits)      AUROC of row scores ≥ 0.95, trigger feature named
 *   clean data (all of the above, no attack)     no finding above low
 *
 * "Label detectors' flags" = rows flagged by labelNoise, targetedFlips or knnDisagreement in the
 * full default inspection (every detector runs; outlier/duplicate flags answer other attacks).
 */
import { atLeast, type Finding, type Severity } from "../src/core/index.js";
import {
  confidentLearning,
  DEFAULT_FOLDS,
  defaultSurrogate,
  type InspectReport,
  inspectPoisoning,
  LABEL_DETECTORS,
  type LabelledData,
  type PoisoningInput,
} from "../src/data/poisoning/index.js";
import {
  assignContributors,
  flipContributorLabels,
  flipRandomLabels,
  flipTargetedLabels,
  loadFixture,
  makeFraudData,
  plantBackdoor,
} from "../src/data/poisoning/testing/index.js";
import { argmax, outOfFoldProbabilities, precisionRecallF1, rocAuc } from "../src/learn/index.js";

const SEEDS = [1, 2, 3, 4, 5];
const asset = { kind: "dataset" as const, id: "bench" };
const started = process.hrtime.bigint();
const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const f3 = (x: number) => x.toFixed(3);

interface Row {
  scenario: string;
  metric: string;
  ours: string;
  baseline: string;
  target: string;
  pass: boolean;
}
const results: Row[] = [];

function progress(text: string): void {
  process.stderr.write(`[${elapsed().toFixed(0).padStart(4)}s] ${text}\n`);
}

/** The naive baseline's out-of-fold probabilities: the same surrogate, one pass. */
function naiveProbabilities(data: LabelledData, y: Int32Array, seed: number): Float64Array {
  const k = data.classes.length;
  return outOfFoldProbabilities(
    { X: data.X, nRows: data.nRows, nFeatures: data.nFeatures, y, nClasses: k },
    defaultSurrogate(k),
    { folds: DEFAULT_FOLDS, seed },
  );
}

function naiveFlags(proba: Float64Array, y: Int32Array, k: number): Uint8Array {
  return Uint8Array.from(y, (label, i) => (argmax(proba, i * k, k) !== label ? 1 : 0));
}

function labelFlags(report: InspectReport, n: number): Uint8Array {
  const flags = new Uint8Array(n);
  for (const name of LABEL_DETECTORS)
    for (const row of report.flaggedBy[name] ?? []) flags[row] = 1;
  return flags;
}

function worstSeverity(findings: Finding[]): Severity {
  const order: Severity[] = ["critical", "high", "medium", "low", "info"];
  return order.find((s) => findings.some((f) => f.severity === s)) ?? "info";
}

async function inspect(
  data: LabelledData,
  y: Int32Array,
  seed: number,
  extra: Partial<PoisoningInput> = {},
) {
  return inspectPoisoning({ ...data, y, asset, seed, ...extra });
}

const cleanWorst: Record<string, Severity[]> = {};
const cleanNaive: Record<string, number[]> = {};
function recordClean(name: string, report: InspectReport, naive: Uint8Array): void {
  cleanWorst[name] = [...(cleanWorst[name] ?? []), worstSeverity(report.findings)];
  cleanNaive[name] = [...(cleanNaive[name] ?? []), naive.reduce((a, b) => a + b, 0)];
}

// 1. Random label flips, 10% of rows.
for (const name of ["breast_cancer", "digits"] as const) {
  const data = loadFixture(name);
  const k = data.classes.length;
  const ours: number[] = [];
  const base: number[] = [];
  for (const seed of SEEDS) {
    const attack = flipRandomLabels(data.y, k, 0.1, seed);
    const report = await inspect(data, attack.y, seed);
    ours.push(precisionRecallF1(labelFlags(report, data.nRows), attack.poisoned).f1);
    const naive = naiveFlags(naiveProbabilities(data, attack.y, seed), attack.y, k);
    base.push(precisionRecallF1(naive, attack.poisoned).f1);
    const clean = await inspect(data, data.y, seed);
    recordClean(name, clean, naiveFlags(naiveProbabilities(data, data.y, seed), data.y, k));
    progress(`${name} seed ${seed}: F1 ${f3(ours.at(-1)!)} (naive ${f3(base.at(-1)!)})`);
  }
  results.push({
    scenario: `random flips 10%, ${name}`,
    metric: "F1 (mean of 5)",
    ours: `${f3(mean(ours))} (min ${f3(Math.min(...ours))})`,
    baseline: f3(mean(base)),
    target: "≥ 0.88",
    pass: mean(ours) >= 0.88,
  });
}

// 2. Targeted flips: 30% of fraud relabelled legit, 20k rows, 2% fraud.
{
  const ours: number[] = [];
  const base: number[] = [];
  const cl: number[] = [];
  for (const seed of SEEDS) {
    const data = makeFraudData({ rows: 20_000, fraudRate: 0.02, seed });
    const attack = flipTargetedLabels(data.y, 1, 0, 0.3, seed + 100);
    const report = await inspect(data, attack.y, seed);
    ours.push(precisionRecallF1(labelFlags(report, data.nRows), attack.poisoned).f1);
    const proba = naiveProbabilities(data, attack.y, seed);
    base.push(precisionRecallF1(naiveFlags(proba, attack.y, 2), attack.poisoned).f1);
    cl.push(precisionRecallF1(confidentLearning(proba, attack.y, 2).issues, attack.poisoned).f1);
    const sources = assignContributors(data.nRows, 20, seed);
    const clean = await inspect(data, data.y, seed, { sources });
    recordClean(
      "fraud (20 contributors)",
      clean,
      naiveFlags(naiveProbabilities(data, data.y, seed), data.y, 2),
    );
    progress(
      `fraud seed ${seed}: F1 ${f3(ours.at(-1)!)} (naive ${f3(base.at(-1)!)}, confident learning ${f3(cl.at(-1)!)})`,
    );
  }
  results.push({
    scenario: "fraud → legit, 30% of 2% fraud, 20k rows",
    metric: "F1 (mean of 5)",
    ours: `${f3(mean(ours))} (min ${f3(Math.min(...ours))})`,
    baseline: `${f3(mean(base))}; CL alone ${f3(mean(cl))}`,
    target: "≥ 0.65",
    pass: mean(ours) >= 0.65,
  });
}

// 3. 20 contributors, one flips 30% of its rows (10k fraud transactions).
{
  const ranks: number[] = [];
  const naiveRanks: number[] = [];
  const cleanFlagged: number[] = [];
  const rowF1: number[] = [];
  for (const seed of SEEDS) {
    const data = makeFraudData({ rows: 10_000, fraudRate: 0.02, seed: seed + 10 });
    const sources = assignContributors(data.nRows, 20, seed);
    const bad = seed % 20;
    const attack = flipContributorLabels(data.y, 2, sources.codes, bad, 0.3, seed);
    const report = await inspect(data, attack.y, seed, { sources });
    const badName = sources.names[bad]!;
    ranks.push(report.sources.findIndex((s) => s.source === badName) + 1);
    cleanFlagged.push(report.sources.filter((s) => s.flagged && s.source !== badName).length);
    rowF1.push(precisionRecallF1(labelFlags(report, data.nRows), attack.poisoned).f1);
    const naive = naiveFlags(naiveProbabilities(data, attack.y, seed), attack.y, 2);
    const rate = sources.names.map((_, s) => {
      let rows = 0;
      let disagree = 0;
      for (let i = 0; i < data.nRows; i++) {
        if (sources.codes[i] !== s) continue;
        rows++;
        disagree += naive[i]!;
      }
      return disagree / Math.max(1, rows);
    });
    naiveRanks.push(1 + rate.filter((r) => r > rate[bad]!).length);
    progress(
      `contributors seed ${seed}: bad ranked ${ranks.at(-1)}, ${cleanFlagged.at(-1)} clean flagged (naive rank ${naiveRanks.at(-1)})`,
    );
  }
  results.push({
    scenario: "20 contributors, one flips 30%",
    metric: "rank of the bad one; clean flagged",
    ours: `ranks ${ranks.join(",")}; clean flagged ${cleanFlagged.join(",")}; row F1 ${f3(mean(rowF1))}`,
    baseline: `naive disagreement-rate ranks ${naiveRanks.join(",")}`,
    target: "rank 1 every seed, 0 clean flagged",
    pass: ranks.every((r) => r === 1) && cleanFlagged.every((c) => c === 0),
  });
}

// 4. Tabular backdoor: 1% of digits rows (18, from classes other than 0) get px0 = 8 (a pixel that
// is always 0) and the label 0.
{
  const aucs: number[] = [];
  const naiveAucs: number[] = [];
  const named: boolean[] = [];
  const clean = loadFixture("digits");
  const feature = clean.featureNames.indexOf("px0");
  for (const seed of SEEDS) {
    const data = plantBackdoor(clean, { fraction: 0.01, feature, value: 8, target: 0, seed });
    const report = await inspect(data, data.y, seed);
    aucs.push(
      rocAuc(
        report.rows.map((r) => r.score),
        data.poisoned,
      ),
    );
    const proba = naiveProbabilities(data, data.y, seed);
    naiveAucs.push(
      rocAuc(
        Array.from(data.y, (label, i) => 1 - proba[i * 2 + label]!),
        data.poisoned,
      ),
    );
    named.push(
      report.findings.some(
        (f) =>
          f.detector === "data.poisoning.backdoor" &&
          JSON.stringify(f.evidence.trigger ?? "").includes('"px0"'),
      ),
    );
    progress(
      `backdoor seed ${seed}: AUROC ${f3(aucs.at(-1)!)} (naive ${f3(naiveAucs.at(-1)!)}), trigger named ${named.at(-1)}`,
    );
  }
  results.push({
    scenario: "backdoor, 1% of digits rows",
    metric: "AUROC (mean of 5); trigger named",
    ours: `${f3(mean(aucs))} (min ${f3(Math.min(...aucs))}); named ${named.filter(Boolean).length}/5`,
    baseline: f3(mean(naiveAucs)),
    target: "≥ 0.95, named every seed",
    pass: mean(aucs) >= 0.95 && named.every(Boolean),
  });
}

// 5. Clean data: nothing above low.
for (const [name, severities] of Object.entries(cleanWorst)) {
  results.push({
    scenario: `clean ${name}`,
    metric: "worst finding per seed",
    ours: severities.join(","),
    baseline: `naive flags ${cleanNaive[name]!.join(",")} rows`,
    target: "≤ low",
    pass: severities.every((s) => !atLeast(s, "medium")),
  });
}

const headers = ["scenario", "metric", "rampart", "naive baseline", "target", "pass"];
const table = results.map((r) => [
  r.scenario,
  r.metric,
  r.ours,
  r.baseline,
  r.target,
  r.pass ? "PASS" : "FAIL",
]);
const widths = headers.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]) =>
  cells
    .map((c, i) => c.padEnd(widths[i]!))
    .join("  ")
    .trimEnd();
console.log(line(headers.map((h) => h.toUpperCase())));
for (const row of table) console.log(line(row));
console.log(
  `\ntotal ${elapsed().toFixed(0)} s; ${results.filter((r) => r.pass).length}/${results.length} targets met`,
);
if (results.some((r) => !r.pass)) process.exitCode = 1;
