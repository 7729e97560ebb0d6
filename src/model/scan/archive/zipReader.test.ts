import { crc32, deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { BufferSource } from "../byteSource.js";
import { DEFAULT_LIMITS, type ScanIssue, type ScanLimits } from "../types.js";
import { buildZip, type ZipMemberSpec } from "./testdata/build.js";
import { fixture, rules, serious } from "./testdata/fixtures.js";
import { openZipMember, readZip, type ZipArchive } from "./zipReader.js";

interface Read {
  archive: ZipArchive | undefined;
  issues: ScanIssue[];
  contents: Map<string, Uint8Array | undefined>;
}

async function read(bytes: Uint8Array, limits: Partial<ScanLimits> = {}): Promise<Read> {
  const issues: ScanIssue[] = [];
  const options = {
    limits: { ...DEFAULT_LIMITS, ...limits },
    report: (i: ScanIssue) => issues.push(i),
  };
  const archive = await readZip(new BufferSource(bytes), options);
  const contents = new Map<string, Uint8Array | undefined>();
  if (archive) {
    const budget = { remaining: options.limits.maxExpandedBytes };
    for (const entry of archive.entries) {
      const source = await openZipMember(archive, entry, { ...options, budget });
      contents.set(
        entry.hidden ? `hidden:${entry.name}` : entry.name,
        source ? await source.read(0, source.size) : undefined,
      );
    }
  }
  return { archive, issues, contents };
}

const text = (b: Uint8Array | undefined) =>
  b === undefined ? undefined : new TextDecoder().decode(b);
const two: ZipMemberSpec[] = [
  { name: "a/data.pkl", data: "pickle bytes" },
  { name: "a/data/0", data: "tensor", method: 8 },
];

describe("zipReader on well-formed archives", () => {
  it("reads stored and deflated members with no issue", async () => {
    const { archive, issues, contents } = await read(buildZip(two));
    expect(issues).toEqual([]);
    expect(archive?.entries.map((e) => e.name)).toEqual(["a/data.pkl", "a/data/0"]);
    expect(text(contents.get("a/data.pkl"))).toBe("pickle bytes");
    expect(text(contents.get("a/data/0"))).toBe("tensor");
  });

  it("reads data descriptors, comments and ZIP64 end records", async () => {
    const bytes = buildZip([{ name: "x", data: "hello", method: 8, dataDescriptor: true }], {
      comment: "a comment",
      zip64: true,
    });
    const { issues, contents } = await read(bytes);
    expect(issues).toEqual([]);
    expect(text(contents.get("x"))).toBe("hello");
  });

  it.each([
    "torch_state_dict.pt",
    "torch_module.pt",
    "torchscript.pt",
    "arrays.npz",
    "arrays_compressed.npz",
  ])("reads the real file %s cleanly", async (name) => {
    const { archive, issues, contents } = await read(fixture(name));
    expect(serious(issues)).toEqual([]);
    expect(issues).toEqual([]);
    expect(archive!.entries.length).toBeGreaterThan(1);
    for (const [member, content] of contents) expect(content, member).toBeDefined();
  });

  it("reads bzip2 members (method 12, which Python's zipfile reads too)", async () => {
    const joblib = fixture("logreg.joblib");
    const { issues, contents } = await read(
      buildZip([
        {
          name: "m.joblib",
          method: 12,
          raw: fixture("logreg.joblib.bz2"),
          crc32: crc32(joblib),
          uncompressedSize: joblib.length,
        },
      ]),
    );
    expect(issues).toEqual([]);
    expect(Buffer.from(contents.get("m.joblib")!).equals(joblib)).toBe(true);
  });

  it("reads an empty archive", async () => {
    const { archive, issues } = await read(buildZip([]));
    expect(issues).toEqual([]);
    expect(archive?.entries).toEqual([]);
  });
});

describe("zipReader tricks", () => {
  it("reports a local name that differs from the central directory", async () => {
    const { issues } = await read(
      buildZip([{ name: "a/data.pkl", localName: "a/other.pkl", data: "x" }]),
    );
    expect(rules(issues)).toEqual(["zip.name-mismatch"]);
    expect(issues[0]!.severity).toBe("high");
    expect(issues[0]!.evidence).toMatchObject({ member: "a/data.pkl", localName: "a/other.pkl" });
  });

  it("reports duplicate names and scans both", async () => {
    const { issues, archive } = await read(
      buildZip([
        { name: "a/data.pkl", data: "benign" },
        { name: "a/data.pkl", data: "evil" },
      ]),
    );
    expect(rules(issues)).toEqual(["zip.duplicate-name"]);
    expect(issues[0]!.severity).toBe("high");
    expect(archive!.entries).toHaveLength(2);
  });

  it("reports CRC mismatches, stored and deflated, and still returns the content", async () => {
    const { issues, contents } = await read(
      buildZip([
        { name: "s", data: "stored", crc32: 0x1234 },
        { name: "d", data: "deflated", method: 8, crc32: 0x5678 },
      ]),
    );
    expect(rules(issues)).toEqual(["zip.crc-mismatch", "zip.crc-mismatch"]);
    expect(issues.every((i) => i.severity === "medium")).toBe(true);
    expect(text(contents.get("s"))).toBe("stored");
    expect(text(contents.get("d"))).toBe("deflated");
  });

  it("reports encrypted members as unscannable and hands nothing", async () => {
    const { issues, contents } = await read(buildZip([{ name: "x", data: "secret", flags: 1 }]));
    expect(rules(issues)).toEqual(["zip.encrypted"]);
    expect(issues[0]!.severity).toBe("high");
    expect(contents.get("x")).toBeUndefined();
  });

  it("accepts the data-descriptor and UTF-8 flags, reports reserved bits", async () => {
    const ok = await read(
      buildZip([{ name: "é", data: "x", flags: 0x0800, dataDescriptor: true }]),
    );
    expect(ok.issues).toEqual([]);
    expect(ok.archive!.entries[0]!.name).toBe("é");
    const odd = await read(buildZip([{ name: "x", data: "x", flags: 0x4000 }]));
    expect(rules(odd.issues)).toEqual(["zip.unusual-flags"]);
  });

  it("reports unsupported methods as unscanned", async () => {
    const { issues, contents } = await read(
      buildZip([{ name: "x", method: 14, raw: new Uint8Array(20) }]),
    );
    expect(rules(issues)).toEqual(["zip.unsupported-method"]);
    expect(issues[0]!.severity).toBe("high");
    expect(contents.get("x")).toBeUndefined();
  });

  it.each([
    ["../evil.pkl", ["parent-segment"]],
    ["/etc/cron.d/x", ["absolute"]],
    ["a\\..\\..\\x", ["backslash", "parent-segment"]],
    ["C:/Windows/x", ["drive-letter"]],
  ])("reports traversal in %s", async (name, problems) => {
    const { issues } = await read(buildZip([{ name, data: "x" }]));
    expect(rules(issues)).toEqual(["zip.path-traversal"]);
    expect(issues[0]!.evidence.problems).toEqual(problems);
  });

  it("reports symlink members", async () => {
    const { issues } = await read(
      buildZip([
        {
          name: "link",
          data: "/etc/passwd",
          versionMadeBy: 0x0314,
          externalAttributes: 0o120777 << 16,
        },
      ]),
    );
    expect(rules(issues)).toEqual(["zip.symlink"]);
  });

  it("reports members sharing a local header (overlap bomb) and partial overlaps", async () => {
    const shared = await read(
      buildZip([
        { name: "a", data: "0123456789" },
        { name: "b", data: "0123456789", sameLocalHeaderAs: 0 },
      ]),
    );
    expect(rules(shared.issues)).toContain("zip.overlap");
    // b's central entry points inside a's data, where a copy of b's local header sits.
    const inner = buildZip([{ name: "b", data: "y" }]).subarray(0, 32);
    const partial = await read(
      buildZip([
        { name: "a", data: inner },
        { name: "b", data: "y", localHeaderOffset: 31 },
      ]),
    );
    expect(rules(partial.issues)).toContain("zip.overlap");
  });

  it("reports members pointing outside the file or into the directory", async () => {
    const past = await read(buildZip([{ name: "x", data: "abc", localHeaderOffset: 10_000 }]));
    expect(rules(past.issues)).toContain("zip.out-of-bounds");
    const long = await read(
      buildZip([
        {
          name: "x",
          data: "abc",
          compressedSize: 5000,
          uncompressedSize: 5000,
          local: { compressedSize: 5000, uncompressedSize: 5000 },
        },
      ]),
    );
    expect(rules(long.issues)).toContain("zip.out-of-bounds");
  });

  it("reports a central directory that disagrees with the local header", async () => {
    const { issues } = await read(buildZip([{ name: "x", data: "abc", local: { method: 8 } }]));
    expect(rules(issues)).toEqual(["zip.header-mismatch"]);
    expect(issues[0]!.evidence.method).toEqual([0, 8]);
  });

  it("reports a wrong entry count in the end record", async () => {
    const { issues } = await read(buildZip(two, { entryCount: 5 }));
    expect(rules(issues)).toEqual(["zip.directory-mismatch"]);
  });

  it("reports and scans data prepended (offsets shifted like `cat stub a.zip`)", async () => {
    const { issues, archive, contents } = await read(
      buildZip(two, { prepend: "\x80\x02cos\nsystem\n.", shiftWithPrepend: true }),
    );
    expect(rules(issues)).toEqual(["zip.offset-shifted", "zip.prepended-data"]);
    expect(archive!.regions).toEqual([{ kind: "prepended", offset: 0, size: 15 }]);
    expect(text(contents.get("a/data.pkl"))).toBe("pickle bytes");
  });

  it("reports prepended data with corrected offsets (zip -A) and appended data", async () => {
    const { issues, archive } = await read(
      buildZip(two, { prepend: "MZ stub", append: "tail bytes" }),
    );
    expect(rules(issues)).toEqual(["zip.appended-data", "zip.prepended-data"]);
    expect(archive!.regions.map((r) => r.kind)).toEqual(["prepended", "appended"]);
    expect(issues.every((i) => i.severity === "medium")).toBe(true);
  });

  it("finds local headers the central directory does not list", async () => {
    const { issues, contents } = await read(
      buildZip([
        { name: "seen", data: "a" },
        { name: "smuggled.pkl", data: "payload", hidden: true },
      ]),
    );
    expect(rules(issues)).toEqual(["zip.hidden-member"]);
    expect(text(contents.get("hidden:smuggled.pkl"))).toBe("payload");
  });

  it("reports unaccounted bytes between members and directory", async () => {
    const { issues, archive } = await read(buildZip(two, { gapBeforeDirectory: "hidden stuff" }));
    expect(rules(issues)).toEqual(["zip.hidden-data"]);
    expect(archive!.regions[0]).toMatchObject({ kind: "gap", size: 12 });
  });

  it("reports an end record hidden in the comment that readers would choose differently", async () => {
    const inner = buildZip([{ name: "x", data: "a" }]);
    const comment = new Uint8Array([...inner.subarray(inner.length - 22), 0x78, 0x78]);
    const { issues } = await read(buildZip([{ name: "y", data: "b" }], { comment }));
    expect(rules(issues)).toContain("zip.ambiguous-end-record");
  });

  it("accepts the spanning marker some writers put first", async () => {
    const { issues } = await read(
      buildZip(two, { prepend: new Uint8Array([0x50, 0x4b, 0x07, 0x08]) }),
    );
    expect(issues).toEqual([]);
  });

  it("is not fooled by the end record of a stored zip member", async () => {
    const inner = buildZip([{ name: "x", data: "a" }]);
    const { issues } = await read(buildZip([{ name: "inner.zip", data: inner }]));
    expect(issues).toEqual([]);
  });

  it("says so when there is no end record at all", async () => {
    const bytes = buildZip(two);
    const { archive, issues } = await read(bytes.subarray(0, bytes.length - 30));
    expect(archive).toBeUndefined();
    expect(rules(issues)).toEqual(["zip.unreadable"]);
    expect(issues[0]!.severity).toBe("high");
  });

  it("reports a corrupt deflate stream and returns what decoded", async () => {
    const good = deflateRawSync(Buffer.from("A".repeat(5000) + "B".repeat(5000)));
    const raw = good.subarray(0, good.length - 4);
    const { issues } = await read(buildZip([{ name: "x", method: 8, raw, data: "" }]));
    expect(rules(issues)).toContain("zip.corrupt-member");
  });

  it("stops examining members at maxMembers", async () => {
    const members = Array.from({ length: 30 }, (_, i) => ({ name: `m${i}`, data: "x" }));
    const { archive, issues } = await read(buildZip(members), { maxMembers: 10 });
    expect(archive!.entries).toHaveLength(10);
    expect(rules(issues)).toContain("zip.too-many-members");
  });
});

describe("zipReader bomb protection", () => {
  const zeros = (n: number) => deflateRawSync(new Uint8Array(n), { level: 9 });

  it("stops a high-ratio member shortly after the ratio grace and hands only a prefix", async () => {
    const size = 64 * 1024 * 1024;
    const raw = zeros(size);
    const started = process.memoryUsage().arrayBuffers;
    const { issues, contents } = await read(
      buildZip([
        { name: "bomb", method: 8, raw, crc32: crc32(new Uint8Array(0)), uncompressedSize: size },
      ]),
    );
    const bomb = issues.find((i) => i.rule === "zip.bomb")!;
    expect(bomb.severity).toBe("high");
    expect(bomb.evidence.limit).toBe("ratio");
    expect(bomb.evidence.decoded as number).toBeLessThan(17 * 1024 * 1024 + 128 * 1024);
    expect(contents.get("bomb")!.length).toBeLessThanOrEqual(32 * 1024 * 1024);
    expect(process.memoryUsage().arrayBuffers - started).toBeLessThan(200 * 1024 * 1024);
  });

  it("caps expansion at maxExpandedBytes and across members", async () => {
    const raw = zeros(4 * 1024 * 1024);
    const one = await read(buildZip([{ name: "a", method: 8, raw }]), {
      maxExpandedBytes: 1024 * 1024,
    });
    expect(one.issues.find((i) => i.rule === "zip.bomb")?.evidence.limit).toBe("size");
    const total = await read(
      buildZip([
        { name: "a", method: 8, raw: zeros(600_000) },
        { name: "b", method: 8, raw: zeros(600_000) },
      ]),
      { maxExpandedBytes: 1_000_000 },
    );
    expect(total.issues.find((i) => i.rule === "zip.bomb")?.evidence.limit).toBe("budget");
  });

  it("never trusts a declared size: a 4 GB claim on a tiny member is just a mismatch", async () => {
    const { issues, contents } = await read(
      buildZip([{ name: "x", method: 8, data: "tiny", uncompressedSize: 0xfffffffe }]),
    );
    expect(rules(issues)).toEqual(["zip.size-mismatch"]);
    expect(text(contents.get("x"))).toBe("tiny");
  });
});
