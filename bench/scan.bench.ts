/**
 * npm run bench:scan — `rampart scan` throughput on three workloads, each beside Python's own
 * `pickletools.genops` walking the same files in the same run (the floor of any Python pickle
 * scanner: picklescan and modelscan do at least that much work), and for the tensor-heavy
 * case beside a plain sequential read and a SHA-256 of the same bytes (the disk floor).
 *   (a) many small pickles  (b) pickles of many small opcodes (1M-element lists)
 *   (c) large PyTorch zip checkpoints whose tensor payloads must be skipped
 * Targets: ≥ 50 MB/s on (b); (c) at disk speed.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultPolicy, SCANNERS, scanPaths } from "../src/model/index.js";
import { type PickleValue, writeLongList, writePickle } from "./fixtures/pickleWriter.js";
import { writeTorchZip } from "./fixtures/torchZip.js";

const PYTHON = "/usr/bin/python3";
const root = mkdtempSync(join(tmpdir(), "rampart-bench-scan-"));

interface Workload {
  name: string;
  dir: string;
  files: number;
  bytes: number;
}

function smallPickles(): Workload {
  const dir = join(root, "a-small");
  mkdirSync(dir);
  let bytes = 0;
  const count = 2000;
  for (let i = 0; i < count; i++) {
    const value: PickleValue = {
      model: `estimator-${i}`,
      coef: Array.from({ length: 200 }, (_, k) => Math.sin(i + k)),
      classes: ["legit", "fraud"],
      params: { C: 1, max_iter: 100, penalty: "l2", fit_intercept: true },
    };
    const data = writePickle(value, i % 2 === 0 ? 2 : 4);
    writeFileSync(join(dir, `m${i}.pkl`), data);
    bytes += data.length;
  }
  return { name: "(a) 2,000 small pickles", dir, files: count, bytes };
}

function longLists(): Workload {
  const dir = join(root, "b-long");
  mkdirSync(dir);
  let bytes = 0;
  for (const [i, protocol] of ([2, 4, 2, 4] as const).entries()) {
    const data = writeLongList(1_000_000, protocol);
    writeFileSync(join(dir, `list${i}.pkl`), data);
    bytes += data.length;
  }
  return { name: "(b) 4 pickles of a 1M-element list", dir, files: 4, bytes };
}

async function torchZips(): Promise<Workload> {
  const dir = join(root, "c-torch");
  mkdirSync(dir);
  let bytes = 0;
  for (let i = 0; i < 2; i++) bytes += await writeTorchZip(join(dir, `ckpt${i}.pt`), 4, 64 << 20);
  return { name: "(c) 2 PyTorch zips, 4 × 64 MiB tensors each", dir, files: 2, bytes };
}

async function ours(w: Workload): Promise<{ seconds: number; findings: number; formats: string }> {
  const start = process.hrtime.bigint();
  const report = await scanPaths([w.dir], { scanners: SCANNERS, policy: defaultPolicy() });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (report.files.length !== w.files) {
    throw new Error(
      `${w.name}: scanned ${report.files.length} of ${w.files} files (${JSON.stringify(report.skipped.slice(0, 3))})`,
    );
  }
  const above = report.findings.filter((f) => f.severity !== "info" && f.severity !== "low");
  if (above.length > 0) throw new Error(`${w.name}: benign files flagged: ${above[0]?.title}`);
  return {
    seconds,
    findings: report.findings.length,
    formats: [...new Set(report.files.map((f) => f.format))].join(","),
  };
}

const GENOPS = `
import os, sys, time, zipfile, pickletools
root = sys.argv[1]
paths = sorted(os.path.join(root, f) for f in os.listdir(root))
start = time.perf_counter()
ops = 0
for p in paths:
    if zipfile.is_zipfile(p):
        with zipfile.ZipFile(p) as z:
            for n in z.namelist():
                if n.endswith(".pkl"):
                    for _ in pickletools.genops(z.read(n)):
                        ops += 1
    else:
        with open(p, "rb") as f:
            for _ in pickletools.genops(f):
                ops += 1
print(time.perf_counter() - start, ops)
`;

function python(w: Workload): number | undefined {
  if (!existsSync(PYTHON)) return undefined;
  const run = spawnSync(PYTHON, ["-c", GENOPS, w.dir], { encoding: "utf8" });
  if (run.status !== 0) return undefined;
  return Number(run.stdout.trim().split(" ")[0]);
}

async function readAndHash(w: Workload): Promise<{ read: number; sha: number }> {
  const files = [join(w.dir, "ckpt0.pt"), join(w.dir, "ckpt1.pt")];
  const pass = async (hash: boolean) => {
    const start = process.hrtime.bigint();
    for (const f of files) {
      const h = createHash("sha256");
      await new Promise<void>((resolve, reject) =>
        createReadStream(f, { highWaterMark: 1 << 20 })
          .on("data", (c) => {
            if (hash) h.update(c);
          })
          .on("end", resolve)
          .on("error", reject),
      );
    }
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  return { read: await pass(false), sha: await pass(true) };
}

const mbps = (bytes: number, s: number) => `${(bytes / 1e6 / s).toFixed(1)} MB/s`;
const fps = (files: number, s: number) => `${(files / s).toFixed(0)} files/s`;

try {
  console.log(
    "rampart bench:scan — rampart scan vs Python pickletools.genops on the same files, same run\n",
  );
  const workloads = [smallPickles(), longLists(), await torchZips()];
  let failed = false;
  for (const w of workloads) {
    // Warm the page cache and the JIT once, then measure.
    await ours(w);
    python(w);
    const r = await ours(w);
    const py = python(w);
    console.log(`${w.name}: ${(w.bytes / 1e6).toFixed(1)} MB`);
    console.log(
      `  rampart scan     ${mbps(w.bytes, r.seconds).padStart(14)}  ${fps(w.files, r.seconds).padStart(12)}  (${r.formats}; ${r.findings} low/info findings)`,
    );
    if (py === undefined)
      console.log("  pickletools      baseline unavailable (no /usr/bin/python3)");
    else {
      // For (c) Python parses only the .pkl members; rampart also checks every member, the zip
      // structure, and hashes the whole file for the report.
      if (w.name.startsWith("(c)")) {
        console.log(
          `  pickletools      ${`${(py * 1000).toFixed(1)} ms`.padStart(14)}  ${fps(w.files, py).padStart(12)}  (parses the .pkl members only; no MB/s to compare)`,
        );
      } else {
        console.log(
          `  pickletools      ${mbps(w.bytes, py).padStart(14)}  ${fps(w.files, py).padStart(12)}  rampart is ${(py / r.seconds).toFixed(1)}× its speed`,
        );
      }
    }
    if (w.name.startsWith("(b)")) {
      const ok = w.bytes / 1e6 / r.seconds >= 50;
      failed ||= !ok;
      console.log(`  ${ok ? "PASS" : "FAIL"}  ≥ 50 MB/s on many small opcodes`);
    }
    if (w.name.startsWith("(c)")) {
      const disk = await readAndHash(w);
      console.log(
        `  sequential read  ${mbps(w.bytes, disk.read).padStart(14)}   (page cache: the disk floor)`,
      );
      console.log(
        `  read + SHA-256   ${mbps(w.bytes, disk.sha).padStart(14)}   (the report carries each file's sha256)`,
      );
      const ok = r.seconds <= disk.sha * 1.25;
      failed ||= !ok;
      console.log(
        `  ${ok ? "PASS" : "FAIL"}  tensor payloads skipped: within 1.25× of reading and hashing the files`,
      );
    }
    console.log("");
  }
  process.exitCode = failed ? 1 : 0;
} finally {
  rmSync(root, { recursive: true, force: true });
}
