import { describe, expect, it } from "vitest";
import { build7z } from "../archive/testdata/build7z.js";
import { fixture, head, rules } from "../archive/testdata/fixtures.js";
import { runScanner } from "../testing/scanHarness.js";
import { sevenZipScanner } from "./sevenZip.js";

describe("7z", () => {
  it("detects by signature", async () => {
    const bytes = await build7z({ "a.txt": "x" });
    expect(sevenZipScanner.detect(head(bytes), { size: bytes.length, name: "x" })).toBe(true);
    expect(
      sevenZipScanner.detect(head(fixture("torch_state_dict.pt")), { size: 1, name: "x.7z" }),
    ).toBe(false);
  });

  it("extracts in memory and hands every file over", async () => {
    const joblib = fixture("logreg.joblib");
    const bytes = await build7z({ "model/logreg.joblib": joblib, "model/readme.txt": "hello" });
    const { issues, nested } = await runScanner(sevenZipScanner, bytes);
    expect(issues).toEqual([]);
    expect(nested.map((n) => n.name)).toEqual(["model/logreg.joblib", "model/readme.txt"]);
    expect(Buffer.from(nested[0]!.bytes).equals(joblib)).toBe(true);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it("reports encrypted members and encrypted headers as unscanned", async () => {
    const members = await runScanner(
      sevenZipScanner,
      await build7z({ "a.pkl": "secret" }, ["-psecret"]),
    );
    expect(rules(members.issues)).toEqual(["7z.encrypted"]);
    expect(members.nested).toEqual([]);
    const headers = await runScanner(
      sevenZipScanner,
      await build7z({ "a.pkl": "secret" }, ["-psecret", "-mhe=on"]),
    );
    expect(rules(headers.issues)).toEqual(["7z.unreadable"]);
    expect(headers.issues[0]!.severity).toBe("high");
  });

  it("reports symbolic links", async () => {
    const { issues } = await runScanner(
      sevenZipScanner,
      await build7z({ "a.txt": "x" }, [], { link: "/etc/passwd" }),
    );
    expect(rules(issues)).toEqual(["7z.symlink"]);
  });

  it("refuses a bomb from its listing without extracting", async () => {
    const bytes = await build7z({ "zeros.bin": new Uint8Array(4 * 1024 * 1024) });
    const { issues, nested } = await runScanner(sevenZipScanner, bytes, {
      limits: { maxExpandedBytes: 1024 * 1024 },
    });
    expect(rules(issues)).toEqual(["7z.bomb"]);
    expect(nested).toEqual([]);
  });

  it("reports what 7-Zip cannot open, and never changes the exit code", async () => {
    const good = await build7z({ "a.txt": "x".repeat(1000) });
    const broken = good.slice(0, 40);
    const { issues } = await runScanner(sevenZipScanner, broken);
    expect(rules(issues)).toEqual(["7z.unreadable"]);
    expect(process.exitCode ?? 0).toBe(0);
    const corrupt = good.slice();
    corrupt[40] = corrupt[40]! ^ 0xff;
    const result = await runScanner(sevenZipScanner, corrupt);
    expect(result.issues.length).toBeGreaterThan(0);
    expect(result.issues.every((i) => i.severity === "high")).toBe(true);
  });

  it("does not open archives over the in-memory limit", async () => {
    const bytes = await build7z({ "a.txt": "x" });
    const { issues } = await runScanner(sevenZipScanner, bytes, {
      limits: { maxInMemoryBytes: 10 },
    });
    expect(rules(issues)).toEqual(["7z.unreadable"]);
  });
});
