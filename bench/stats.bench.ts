/**
 * npm run bench:stats — the statistics data checks lean on, at 10^6 rows, beside the Python
 * stack people would otherwise use, in the same run on the same data:
 * - two-sample KS, 10^6 vs 10^6 (no drift, and a 0.01σ shift), vs scipy.stats.ks_2samp;
 * - PSI with 10 reference-quantile bins vs the numpy PSI of src/stats/testdata/make_fixtures.py;
 * - profileTable on 10^6 rows × 20 columns (16 numeric, 4 categorical) vs numpy computing
 *   percentiles, a 20-bin histogram, mean and std per numeric column and value counts per
 *   categorical one.
 * The data is generated here (seeded) and handed to Python as raw little-endian files; Python
 * times only the calls themselves. Best of 3 everywhere. Targets: KS no slower than scipy,
 * profile within 5 s. Without numpy/scipy in /usr/bin/python3 the baselines read "unavailable".
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { profileTable } from "../src/data/profile/index.js";
import type { CategoricalColumn, Column, NumericColumn, Table } from "../src/data/table/types.js";
import { mulberry32 } from "../src/learn/index.js";
import { ks2samp, psi } from "../src/stats/index.js";

const ROWS = 1_000_000;
const PYTHON = "/usr/bin/python3";

function normals(n: number, seed: number, shift = 0, scale = 1): Float64Array {
  const random = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = 1 - random();
    out[i] = shift + scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }
  return out;
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
function best(run: () => void): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const start = process.hrtime.bigint();
    run();
    fastest = Math.min(fastest, seconds(start));
  }
  return fastest;
}

function buildTable(): { table: Table; numeric: Float64Array[]; codes: Int32Array[] } {
  const columns: Column[] = [];
  const numeric: Float64Array[] = [];
  const codes: Int32Array[] = [];
  for (let c = 0; c < 16; c++) {
    const values = normals(ROWS, 100 + c, c, 1 + c / 4);
    const random = mulberry32(200 + c);
    let nullCount = 0;
    for (let i = 0; i < ROWS; i++) {
      if (c % 4 === 1) values[i] = Math.round(values[i]! * 10); // integer-valued, many ties
      if (c % 3 === 0 && random() < 0.01) {
        values[i] = Number.NaN;
        nullCount++;
      }
    }
    const column: NumericColumn = {
      name: `x${c}`,
      kind: "numeric",
      sqlType: c % 4 === 1 ? "BIGINT" : "DOUBLE",
      values,
      nullCount,
    };
    columns.push(column);
    numeric.push(values);
  }
  for (const [c, cardinality] of [5, 50, 1000, 100_000].entries()) {
    const random = mulberry32(300 + c);
    const columnCodes = new Int32Array(ROWS);
    let nullCount = 0;
    for (let i = 0; i < ROWS; i++) {
      // Skewed (u²) so the top values differ in frequency; 0.5 % nulls.
      const u = random();
      columnCodes[i] = random() < 0.005 ? -1 : Math.floor(u * u * cardinality);
      if (columnCodes[i] === -1) nullCount++;
    }
    const column: CategoricalColumn = {
      name: `cat${c}`,
      kind: "categorical",
      sqlType: "VARCHAR",
      codes: columnCodes,
      dictionary: Array.from({ length: cardinality }, (_, i) => `value-${i}`),
      nullCount,
    };
    columns.push(column);
    codes.push(columnCodes);
  }
  return { table: { nRows: ROWS, columns, files: [] }, numeric, codes };
}

const PYTHON_BASELINE = `
import json, sys, time
import numpy as np
from scipy import stats
d = sys.argv[1]
def best(f):
    t = []
    for _ in range(3):
        s = time.perf_counter(); f(); t.append(time.perf_counter() - s)
    return min(t)
ref = np.fromfile(d + "/ref.f64", dtype="<f8")
same = np.fromfile(d + "/same.f64", dtype="<f8")
drift = np.fromfile(d + "/drift.f64", dtype="<f8")
def psi(reference, current, bins=10, eps=1e-4):
    ref = reference[~np.isnan(reference)]
    cur = current[~np.isnan(current)]
    edges = np.unique(np.quantile(ref, [i / bins for i in range(1, bins)]))
    r = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1)
    c = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=len(edges) + 1)
    rf = np.maximum(r / r.sum(), eps)
    cf = np.maximum(c / c.sum(), eps)
    return float(np.sum((cf - rf) * np.log(cf / rf)))
num = np.fromfile(d + "/numeric.f64", dtype="<f8").reshape(16, -1)
cat = np.fromfile(d + "/codes.i32", dtype="<i4").reshape(4, -1)
qs = np.array([0, .01, .05, .25, .5, .75, .95, .99, 1]) * 100
def profile():
    for col in num:
        v = col[~np.isnan(col)]
        np.percentile(v, qs); np.histogram(v, 20); v.mean(); v.std()
    for col in cat:
        counts = np.bincount(col[col >= 0]); np.argsort(counts)[::-1][:20]
out = {
  "ks_same": best(lambda: stats.ks_2samp(ref, same)),
  "ks_drift": best(lambda: stats.ks_2samp(ref, drift)),
  "psi": best(lambda: psi(ref, drift)),
  "profile": best(profile),
  "check": {"ks_same": float(stats.ks_2samp(ref, same).pvalue),
            "ks_drift": float(stats.ks_2samp(ref, drift).pvalue), "psi": psi(ref, drift)},
}
print(json.dumps(out))
`;

interface Baseline {
  ks_same: number;
  ks_drift: number;
  psi: number;
  profile: number;
  check: { ks_same: number; ks_drift: number; psi: number };
}

function runBaseline(dir: string): Baseline | null {
  const probe = spawnSync(PYTHON, ["-c", "import numpy, scipy"], { encoding: "utf8" });
  if (probe.status !== 0) return null;
  const run = spawnSync(PYTHON, ["-c", PYTHON_BASELINE, dir], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) {
    console.error(`python baseline failed: ${run.stderr}`);
    return null;
  }
  return JSON.parse(run.stdout) as Baseline;
}

const dir = mkdtempSync(join(tmpdir(), "rampart-bench-stats-"));
try {
  const reference = normals(ROWS, 1);
  const same = normals(ROWS, 2);
  const drift = normals(ROWS, 3, 0.01);
  const { table, numeric, codes } = buildTable();
  const f64 = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(dir, "ref.f64"), f64(reference));
  writeFileSync(join(dir, "same.f64"), f64(same));
  writeFileSync(join(dir, "drift.f64"), f64(drift));
  writeFileSync(join(dir, "numeric.f64"), Buffer.concat(numeric.map(f64)));
  writeFileSync(
    join(dir, "codes.i32"),
    Buffer.concat(codes.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength))),
  );

  const baseline = runBaseline(dir);
  const ksSame = ks2samp(reference, same);
  const ksDrift = ks2samp(reference, drift);
  const psiDrift = psi(reference, drift);
  const times = {
    ks_same: best(() => ks2samp(reference, same)),
    ks_drift: best(() => ks2samp(reference, drift)),
    psi: best(() => psi(reference, drift)),
    profile: best(() => profileTable(table)),
  };

  console.log(
    `rampart bench:stats — ${ROWS.toLocaleString("en")} rows, best of 3${baseline ? "" : " (baseline unavailable: /usr/bin/python3 lacks numpy/scipy)"}\n`,
  );
  const rows: [string, keyof typeof times, string, number | null][] = [
    ["KS 1e6 vs 1e6, no drift", "ks_same", "≤ scipy", 1],
    ["KS 1e6 vs 1e6, 0.01σ shift", "ks_drift", "≤ scipy", 1],
    ["PSI 1e6 vs 1e6, 10 bins", "psi", "(report)", null],
    ["profile 1e6 × 20 columns", "profile", "≤ 5 s", null],
  ];
  const header = `  ${"task".padEnd(30)} ${"rampart".padStart(9)} ${"baseline".padStart(12)} ${"ratio".padStart(7)}  target`;
  console.log(header);
  let ok = true;
  for (const [label, key, target, maxRatio] of rows) {
    const ours = times[key];
    const theirs = baseline ? baseline[key] : null;
    const ratio = theirs ? ours / theirs : null;
    if (maxRatio !== null && ratio !== null && ratio > maxRatio) ok = false;
    if (key === "profile" && ours > 5) ok = false;
    console.log(
      `  ${label.padEnd(30)} ${`${ours.toFixed(3)} s`.padStart(9)} ${(theirs === null ? "unavailable" : `${theirs.toFixed(3)} s`).padStart(12)} ${(ratio === null ? "—" : `${ratio.toFixed(2)}×`).padStart(7)}  ${target}`,
    );
  }
  console.log(
    `\n  p-values: no drift ${ksSame.pvalue.toPrecision(6)} (${ksSame.method}), shift ${ksDrift.pvalue.toExponential(4)}; PSI ${psiDrift.value.toExponential(4)}`,
  );
  if (baseline) {
    console.log(
      `  scipy/numpy:         no drift ${baseline.check.ks_same.toPrecision(6)}, shift ${baseline.check.ks_drift.toExponential(4)}; PSI ${baseline.check.psi.toExponential(4)}`,
    );
  }
  console.log(`\n  ${ok ? "PASS" : "FAIL"}  KS no slower than scipy; profile within 5 s`);
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
