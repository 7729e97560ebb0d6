/**
 * npm run bench:sign — sign and verify a generated 1 GiB model folder in the OpenSSF Model
 * Signing format, beside `sha256sum` over the same files in the same run: hashing is the cost
 * of signing, so sha256sum is the floor. Target: sign and verify each within 1.3× of its time.
 */
import { spawnSync } from "node:child_process";
import { generateKeyPairSync, randomFillSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signModel, verifyModel } from "../src/model/signing/index.js";

const FILES = 8;
const FILE_BYTES = 128 * 1024 * 1024;
const TOTAL = FILES * FILE_BYTES;

const root = mkdtempSync(join(tmpdir(), "rampart-bench-sign-"));
const model = join(root, "model");
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const mbps = (s: number) => `${(TOTAL / 1e6 / s).toFixed(0)} MB/s`;

try {
  mkdirSync(join(model, "weights"), { recursive: true });
  const chunk = Buffer.allocUnsafe(16 << 20);
  for (let i = 0; i < FILES; i++) {
    const parts: Buffer[] = [];
    for (let done = 0; done < FILE_BYTES; done += chunk.length)
      parts.push(Buffer.from(randomFillSync(chunk)));
    writeFileSync(join(model, "weights", `shard-${i}.bin`), Buffer.concat(parts));
  }
  writeFileSync(join(model, "config.json"), JSON.stringify({ layers: 12, hidden: 768 }));
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const privateKeyPem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const publicKeyPem = publicKey.export({ format: "pem", type: "spki" }).toString();
  const signaturePath = join(root, "model.sig");
  const files = [
    join(model, "config.json"),
    ...Array.from({ length: FILES }, (_, i) => join(model, "weights", `shard-${i}.bin`)),
  ];

  const sha256sum = (): number => {
    const start = process.hrtime.bigint();
    const run = spawnSync("sha256sum", files, { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`sha256sum failed: ${run.stderr}`);
    return seconds(start);
  };
  const sign = async (): Promise<number> => {
    const start = process.hrtime.bigint();
    await signModel(model, { privateKeyPem, signaturePath });
    return seconds(start);
  };
  const verify = async (): Promise<number> => {
    const start = process.hrtime.bigint();
    const result = await verifyModel(model, { signaturePath, publicKeyPem });
    if (!result.verified) throw new Error(`verification failed: ${result.problems.join("; ")}`);
    return seconds(start);
  };

  // Warm the page cache once, then take the best of three of each (a noisy 2-core machine).
  sha256sum();
  const best = async (f: () => number | Promise<number>) =>
    Math.min(await f(), await f(), await f());
  const base = await best(sha256sum);
  const signed = await best(sign);
  const verified = await best(verify);

  console.log(
    `rampart bench:sign — ${FILES + 1} files, ${(TOTAL / 2 ** 30).toFixed(1)} GiB, OMS v1.0, ECDSA P-256, best of 3\n`,
  );
  console.log(
    `  sha256sum        ${base.toFixed(2).padStart(6)} s  ${mbps(base).padStart(10)}   (the floor)`,
  );
  console.log(
    `  rampart sign     ${signed.toFixed(2).padStart(6)} s  ${mbps(signed).padStart(10)}   ${(signed / base).toFixed(2)}× sha256sum`,
  );
  console.log(
    `  rampart verify   ${verified.toFixed(2).padStart(6)} s  ${mbps(verified).padStart(10)}   ${(verified / base).toFixed(2)}× sha256sum`,
  );
  const ok = signed <= 1.3 * base && verified <= 1.3 * base;
  console.log(`\n  ${ok ? "PASS" : "FAIL"}  sign and verify within 1.3× of sha256sum`);
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
