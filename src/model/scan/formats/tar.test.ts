import { describe, expect, it } from "vitest";
import { buildTar } from "../archive/testdata/build.js";
import { fixture, rules } from "../archive/testdata/fixtures.js";
import { runScanner } from "../testing/scanHarness.js";
import { tarScanner } from "./tar.js";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const detect = (bytes: Uint8Array) =>
  tarScanner.detect(bytes.subarray(0, 4096), { size: bytes.length, name: "x" });

describe("tar detection", () => {
  it("needs the ustar magic and a valid checksum", () => {
    expect(detect(buildTar([{ name: "a", data: "b" }]))).toBe(true);
    expect(detect(buildTar([{ name: "a", data: "b", gnu: true }]))).toBe(true);
    expect(detect(fixture("torch_legacy.tar"))).toBe(true);
    expect(detect(buildTar([{ name: "a", data: "b", badChecksum: true }]))).toBe(false);
    expect(detect(new Uint8Array(1024))).toBe(false);
  });
});

describe("tar scanning", () => {
  it("hands regular members over as slices and skips directories", async () => {
    const { issues, nested } = await runScanner(
      tarScanner,
      buildTar([
        { name: "dir/", type: "5" },
        { name: "dir/model.pkl", data: "pickle" },
        { name: "weights.bin", data: "x".repeat(700) },
      ]),
    );
    expect(issues).toEqual([]);
    expect(nested.map((n) => [n.name, n.bytes.length])).toEqual([
      ["dir/model.pkl", 6],
      ["weights.bin", 700],
    ]);
  });

  it("uses pax paths, GNU long names and ustar prefixes", async () => {
    const long = `${"d/".repeat(60)}file.pkl`;
    const { nested } = await runScanner(
      tarScanner,
      buildTar([
        { name: "short", data: "1", pax: { path: long } },
        { name: "././@LongLink", data: "2", gnuLongName: `gnu/${long}` },
        { name: "name.pkl", data: "3", prefix: "some/prefix" },
      ]),
    );
    expect(nested.map((n) => n.name)).toEqual([long, `gnu/${long}`, "some/prefix/name.pkl"]);
  });

  it.each([
    ["../../etc/cron.d/evil", "tar.path-traversal"],
    ["/usr/lib/evil.so", "tar.path-traversal"],
  ])("reports traversal in %s", async (name, rule) => {
    const { issues } = await runScanner(tarScanner, buildTar([{ name, data: "x" }]));
    expect(rules(issues)).toEqual([rule]);
    expect(issues[0]!.severity).toBe("high");
  });

  it("reports symlinks and hard links, and whether they escape", async () => {
    const { issues, nested } = await runScanner(
      tarScanner,
      buildTar([
        { name: "a/link", type: "2", linkname: "../../../etc/passwd" },
        { name: "b", type: "1", linkname: "a/file" },
        { name: "a/file", data: "x" },
      ]),
    );
    expect(issues.map((i) => [i.rule, i.severity, i.evidence.escapes])).toEqual([
      ["tar.link", "high", true],
      ["tar.link", "high", false],
    ]);
    expect(nested.map((n) => n.name)).toEqual(["a/file"]);
  });

  it("reports device files and duplicates", async () => {
    const { issues, nested } = await runScanner(
      tarScanner,
      buildTar([
        { name: "dev", type: "3" },
        { name: "x.pkl", data: "first" },
        { name: "x.pkl", data: "second" },
      ]),
    );
    expect(rules(issues)).toEqual(["tar.duplicate-name", "tar.special-file"]);
    expect(nested.map((n) => text(n.bytes))).toEqual(["first", "second"]);
  });

  it("reports and scans data after the end of the archive", async () => {
    const { issues, nested } = await runScanner(
      tarScanner,
      buildTar([{ name: "a", data: "x" }], { trailing: "\x80\x02polyglot" }),
    );
    expect(rules(issues)).toEqual(["tar.appended-data"]);
    expect(nested.at(-1)!.name).toBe("<appended@2048>");
  });

  it("reports a bad checksum mid-archive and a truncated member", async () => {
    const bad = await runScanner(
      tarScanner,
      buildTar([
        { name: "a", data: "x" },
        { name: "b", data: "y", badChecksum: true },
      ]),
    );
    expect(rules(bad.issues)).toEqual(["tar.bad-header"]);
    expect(bad.nested.map((n) => n.name)).toEqual(["a"]);
    const full = buildTar([{ name: "a", data: "z".repeat(2000) }], { noEnd: true });
    const cut = await runScanner(tarScanner, full.subarray(0, 1000));
    expect(rules(cut.issues)).toEqual(["tar.truncated"]);
    expect(cut.nested[0]!.bytes.length).toBe(488);
  });

  it("stops at maxMembers", async () => {
    const entries = Array.from({ length: 20 }, (_, i) => ({ name: `m${i}`, data: "x" }));
    const { issues, nested } = await runScanner(tarScanner, buildTar(entries), {
      limits: { maxMembers: 5 },
    });
    expect(rules(issues)).toEqual(["tar.too-many-members"]);
    expect(nested).toHaveLength(5);
  });
});
