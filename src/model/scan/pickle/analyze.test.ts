import { describe, expect, it } from "vitest";
import { defaultPolicy, mergePolicy } from "../policy/index.js";
import { CODE_EXECUTION, MALFORMED_ARTIFACT, UNSAFE_ARTIFACT } from "../threats.js";
import type { ScanIssue } from "../types.js";
import { analyzePickle } from "./analyze.js";
import { analyzePickleStream } from "./stream.js";
import { assemble, concat, type Instruction } from "./testdata/assemble.js";

const policy = defaultPolicy();

function issuesOf(program: readonly Instruction[]): ScanIssue[] {
  return analyzePickle(assemble(program), 0, policy).issues;
}

function only(issues: ScanIssue[], rule: string): ScanIssue {
  const found = issues.filter((i) => i.rule === rule);
  expect(found, `${rule} in ${JSON.stringify(issues.map((i) => i.rule))}`).toHaveLength(1);
  return found[0]!;
}

const call = (module: string, name: string, arg = "x"): Instruction[] => [
  ["GLOBAL", module, name],
  ["BINUNICODE", arg],
  ["TUPLE1"],
  ["REDUCE"],
];

describe("the policy rules", () => {
  it("a dangerous global is critical when called, with evidence and advice", () => {
    const issues = issuesOf([["PROTO", 2], ...call("posix", "system", "echo pwned"), ["STOP"]]);
    const issue = only(issues, "pickle.dangerous-global");
    expect(issue).toMatchObject({
      severity: "critical",
      offset: 2,
      threats: CODE_EXECUTION,
      evidence: {
        global: "posix.system",
        opcode: "GLOBAL",
        offset: 2,
        called: true,
        calls: 1,
        callOpcode: "REDUCE",
      },
    });
    expect(issue.title).toBe(
      "posix.system imported at offset 2 (GLOBAL) and called at offset 32 (REDUCE)",
    );
    expect(issue.reason).toMatch(/operating-system commands/);
    expect(issue.reason).toMatch(/safetensors/);
  });

  it("a dangerous global is critical even when it is never called", () => {
    const issue = only(
      issuesOf([["PROTO", 2], ["GLOBAL", "builtins", "eval"], ["STOP"]]),
      "pickle.dangerous-global",
    );
    expect(issue).toMatchObject({ severity: "critical", evidence: { called: false, calls: 0 } });
  });

  it("an unknown global that is called is high; imported only is medium", () => {
    const called = only(
      issuesOf([["PROTO", 2], ...call("mypkg.util", "build"), ["STOP"]]),
      "pickle.unknown-global-called",
    );
    expect(called).toMatchObject({
      severity: "high",
      threats: CODE_EXECUTION,
      evidence: { global: "mypkg.util.build" },
    });
    const imported = only(
      issuesOf([["PROTO", 2], ["GLOBAL", "mypkg.util", "build"], ["STOP"]]),
      "pickle.unknown-global-imported",
    );
    expect(imported).toMatchObject({ severity: "medium", threats: UNSAFE_ARTIFACT });
  });

  it("allowlisted globals pass quietly, called or not", () => {
    expect(
      issuesOf([
        ["PROTO", 2],
        ["GLOBAL", "collections", "OrderedDict"],
        ["EMPTY_TUPLE"],
        ["REDUCE"],
        ["GLOBAL", "torch", "FloatStorage"],
        ["TUPLE2"],
        ["STOP"],
      ]),
    ).toEqual([]);
  });

  it("a class only instantiated without its constructor is low", () => {
    const issue = only(
      issuesOf([
        ["PROTO", 2],
        ["GLOBAL", "__main__", "TinyNet"],
        ["EMPTY_TUPLE"],
        ["NEWOBJ"],
        ["EMPTY_DICT"],
        ["BUILD"],
        ["STOP"],
      ]),
      "pickle.unknown-class-instantiated",
    );
    expect(issue).toMatchObject({ severity: "low", threats: UNSAFE_ARTIFACT });
  });

  it("but a class called with arguments, or a function instantiated, is high", () => {
    only(
      issuesOf([
        ["PROTO", 2],
        ["GLOBAL", "__main__", "TinyNet"],
        ["BININT1", 1],
        ["TUPLE1"],
        ["NEWOBJ"],
        ["STOP"],
      ]),
      "pickle.unknown-global-called",
    );
    only(
      issuesOf([["MARK"], ["INST", "mypkg", "helper"], ["STOP"]]),
      "pickle.unknown-global-called",
    );
    only(
      issuesOf([
        ["PROTO", 2],
        ["GLOBAL", "__main__", "TinyNet"],
        ["EMPTY_TUPLE"],
        ["REDUCE"],
        ["STOP"],
      ]),
      "pickle.unknown-global-called",
    );
  });

  it("a dangerous class instantiated without arguments stays critical (no low-rule hole)", () => {
    const issue = only(
      issuesOf([
        ["PROTO", 2],
        ["GLOBAL", "subprocess", "Popen"],
        ["EMPTY_TUPLE"],
        ["NEWOBJ"],
        ["STOP"],
      ]),
      "pickle.dangerous-global",
    );
    expect(issue.severity).toBe("critical");
    const viaReconstructor = issuesOf([
      ["GLOBAL", "copy_reg", "_reconstructor"],
      ["MARK"],
      ["GLOBAL", "subprocess", "Popen"],
      ["GLOBAL", "__builtin__", "object"],
      ["NONE"],
      ["TUPLE"],
      ["REDUCE"],
      ["STOP"],
    ]);
    expect(only(viaReconstructor, "pickle.dangerous-global").severity).toBe("critical");
  });

  it("copyreg._reconstructor with an unknown base calls that base (high)", () => {
    const issues = issuesOf([
      ["GLOBAL", "copy_reg", "_reconstructor"],
      ["MARK"],
      ["GLOBAL", "mypkg", "Thing"],
      ["GLOBAL", "mypkg", "Base"],
      ["NONE"],
      ["TUPLE"],
      ["REDUCE"],
      ["STOP"],
    ]);
    expect(issues.find((i) => i.rule === "pickle.unknown-global-called")?.evidence.global).toBe(
      "mypkg.Base",
    );
    expect(
      issues.find((i) => i.rule === "pickle.unknown-class-instantiated")?.evidence.global,
    ).toBe("mypkg.Thing");
  });

  it("rampart.yaml allow and deny change the verdict", () => {
    const program = assemble([["PROTO", 2], ...call("mypkg.util", "build"), ["STOP"]]);
    expect(analyzePickle(program, 0, mergePolicy(policy, { allow: ["mypkg.*"] })).issues).toEqual(
      [],
    );
    const denied = analyzePickle(
      program,
      0,
      mergePolicy(policy, { allow: ["mypkg.*"], deny: ["mypkg.util.build"] }),
    );
    expect(denied.issues[0]).toMatchObject({
      rule: "pickle.dangerous-global",
      severity: "critical",
    });
  });
});

describe("techniques that hide the import", () => {
  it("getattr(__import__('os'), 'system') resolves to os.system", () => {
    const issues = issuesOf([
      ["PROTO", 2],
      ["GLOBAL", "builtins", "getattr"],
      ...call("builtins", "__import__", "os"),
      ["BINUNICODE", "system"],
      ["TUPLE2"],
      ["REDUCE"],
      ["BINUNICODE", "id"],
      ["TUPLE1"],
      ["REDUCE"],
      ["STOP"],
    ]);
    const system = issues.find((i) => i.evidence.global === "os.system");
    expect(system).toMatchObject({
      severity: "critical",
      evidence: { via: "builtins.getattr", called: true },
    });
    expect(system?.title).toMatch(/reached through builtins\.getattr/);
  });

  it("a dotted protocol 4 name reaching os.system through another module is critical", () => {
    const issues = issuesOf([
      ["PROTO", 4],
      ["SHORT_BINUNICODE", "sysconfig"],
      ["SHORT_BINUNICODE", "os.system"],
      ["STACK_GLOBAL"],
      ["STOP"],
    ]);
    expect(only(issues, "pickle.dangerous-global").evidence).toMatchObject({
      global: "sysconfig.os.system",
      matched: "os.system",
    });
  });

  it("an attribute chain through __globals__ on an allowlisted function is critical", () => {
    const issues = issuesOf([
      ["PROTO", 4],
      ["SHORT_BINUNICODE", "torch._utils"],
      ["SHORT_BINUNICODE", "_rebuild_tensor_v2.__globals__"],
      ["STACK_GLOBAL"],
      ["STOP"],
    ]);
    expect(only(issues, "pickle.dangerous-global").reason).toMatch(/interpreter internals/);
  });

  it("a STACK_GLOBAL with a computed module is an unresolvable global (high)", () => {
    const issues = issuesOf([
      ["PROTO", 4],
      ["GLOBAL", "builtins", "str"],
      ["SHORT_BINUNICODE", "os"],
      ["TUPLE1"],
      ["REDUCE"],
      ["SHORT_BINUNICODE", "system"],
      ["STACK_GLOBAL"],
      ["SHORT_BINUNICODE", "id"],
      ["TUPLE1"],
      ["REDUCE"],
      ["STOP"],
    ]);
    const issue = only(issues, "pickle.unresolvable-global");
    expect(issue).toMatchObject({
      severity: "high",
      threats: CODE_EXECUTION,
      evidence: { called: true },
    });
  });

  it("an extension-registry import is high", () => {
    const issue = only(
      issuesOf([["PROTO", 2], ["EXT2", 513], ["EMPTY_TUPLE"], ["REDUCE"], ["STOP"]]),
      "pickle.unresolvable-global",
    );
    expect(issue.title).toMatch(/extension registry code 513/);
  });

  it("calling the result of a call is a dynamic call (high)", () => {
    const issue = only(
      issuesOf([
        ["PROTO", 2],
        ["GLOBAL", "collections", "OrderedDict"],
        ["EMPTY_TUPLE"],
        ["REDUCE"],
        ["EMPTY_TUPLE"],
        ["REDUCE"],
        ["STOP"],
      ]),
      "pickle.dynamic-call",
    );
    expect(issue).toMatchObject({ severity: "high", offset: 30 });
  });

  it("BUILD on an imported function is a mutation (high)", () => {
    const issues = issuesOf([
      ["PROTO", 2],
      ["GLOBAL", "numpy", "prod"],
      ["NONE"],
      ["MARK"],
      ["BINUNICODE", "a"],
      ["BINUNICODE", "os"],
      ["DICT"],
      ["TUPLE2"],
      ["BUILD"],
      ["STOP"],
    ]);
    expect(only(issues, "pickle.global-mutated")).toMatchObject({
      severity: "high",
      evidence: { mutations: 1 },
    });
  });

  it("a pickle passed as bytes to pickle.loads is critical and judged too", () => {
    const inner = assemble([["PROTO", 2], ...call("posix", "system", "id"), ["STOP"]]);
    const outer = assemble([
      ["PROTO", 2],
      ["GLOBAL", "_pickle", "loads"],
      ["SHORT_BINBYTES", inner],
      ["TUPLE1"],
      ["REDUCE"],
      ["STOP"],
    ]);
    const issues = analyzePickle(outer, 0, policy).issues;
    const nested = only(issues, "pickle.nested-deserializer");
    expect(nested).toMatchObject({
      severity: "critical",
      evidence: { payloadOffset: 19, payloadFormat: "a pickle" },
    });
    const innerIssue = issues.find((i) => i.evidence.global === "posix.system");
    expect(innerIssue?.title).toMatch(/^nested pickle at offset 19, passed to _pickle\.loads/);
    expect(innerIssue?.offset).toBe(19 + 2);
  });

  it("follows a nested pickle carried as a latin-1 str through _codecs.encode, and marshal payloads", () => {
    const inner = assemble([["PROTO", 2], ["GLOBAL", "os", "system"], ["STOP"]]);
    const viaCodecs = analyzePickle(
      assemble([
        ["PROTO", 2],
        ["GLOBAL", "pickle", "loads"],
        ["GLOBAL", "_codecs", "encode"],
        ["BINUNICODE", String.fromCharCode(...inner)],
        ["BINUNICODE", "latin1"],
        ["TUPLE2"],
        ["REDUCE"],
        ["TUPLE1"],
        ["REDUCE"],
        ["STOP"],
      ]),
      0,
      policy,
    ).issues;
    expect(viaCodecs.some((i) => i.rule === "pickle.nested-deserializer")).toBe(true);
    expect(viaCodecs.some((i) => i.evidence.global === "os.system")).toBe(true);
    const marshal = issuesOf([
      ["PROTO", 3],
      ["GLOBAL", "marshal", "loads"],
      ["SHORT_BINBYTES", new Uint8Array([0xe3, 0, 0])],
      ["TUPLE1"],
      ["REDUCE"],
      ["STOP"],
    ]);
    expect(only(marshal, "pickle.nested-deserializer").title).toMatch(/marshal data/);
  });

  it("still judges the payload of a deserialiser allowed in rampart.yaml", () => {
    const allowLoader = mergePolicy(policy, { allow: ["torch.storage._load_from_bytes"] });
    const wrap = (inner: Uint8Array) =>
      assemble([
        ["PROTO", 3],
        ["GLOBAL", "torch.storage", "_load_from_bytes"],
        ["SHORT_BINBYTES", inner],
        ["TUPLE1"],
        ["REDUCE"],
        ["STOP"],
      ]);
    const benign = wrap(assemble([["PROTO", 2], ["EMPTY_DICT"], ["STOP"]]));
    expect(analyzePickle(benign, 0, allowLoader).issues).toEqual([]);
    expect(analyzePickle(benign, 0, policy).issues.map((i) => i.rule)).toEqual([
      "pickle.dangerous-global",
      "pickle.nested-deserializer",
    ]);
    const evil = wrap(assemble([["PROTO", 2], ...call("posix", "system"), ["STOP"]]));
    const issues = analyzePickle(evil, 0, allowLoader).issues;
    expect(issues.map((i) => [i.rule, i.evidence.global])).toEqual([
      ["pickle.dangerous-global", "posix.system"],
    ]);
  });

  it("analyses a payload reused through the memo once", () => {
    const inner = assemble([["PROTO", 2], ["GLOBAL", "os", "system"], ["STOP"]]);
    const program: Instruction[] = [
      ["PROTO", 2],
      ["SHORT_BINBYTES", inner],
      ["BINPUT", 0],
      ["POP"],
    ];
    for (let i = 0; i < 10; i++)
      program.push(["GLOBAL", "pickle", "loads"], ["BINGET", 0], ["TUPLE1"], ["REDUCE"], ["POP"]);
    program.push(["NONE"], ["STOP"]);
    const issues = issuesOf(program);
    expect(issues.filter((i) => i.rule === "pickle.nested-deserializer")).toHaveLength(1);
  });
});

describe("broken streams and anomalies", () => {
  it("a stream that breaks after a dangerous call is high and still judged", () => {
    const program = assemble([["PROTO", 2], ...call("posix", "system", "id")]);
    const issues = analyzePickle(concat(program, new Uint8Array([0xff])), 0, policy).issues;
    expect(only(issues, "pickle.dangerous-global").severity).toBe("critical");
    expect(only(issues, "pickle.broken-stream")).toMatchObject({
      severity: "high",
      threats: CODE_EXECUTION,
      evidence: { kind: "invalid-opcode", lastCall: { path: "posix.system" } },
    });
  });

  it("a benign stream that breaks is medium", () => {
    const issue = only(issuesOf([["PROTO", 2], ["EMPTY_DICT"]]), "pickle.broken-stream");
    expect(issue).toMatchObject({
      severity: "medium",
      threats: MALFORMED_ARTIFACT,
      evidence: { kind: "truncated" },
    });
  });

  it("a stream that breaks after an allowlisted call is medium", () => {
    const issue = only(
      issuesOf([
        ["PROTO", 2],
        ["GLOBAL", "collections", "OrderedDict"],
        ["EMPTY_TUPLE"],
        ["REDUCE"],
        ["RAW", "\xff"],
      ]),
      "pickle.broken-stream",
    );
    expect(issue.severity).toBe("medium");
  });

  it("resource limits are reported, never a silent pass", () => {
    const program: Instruction[] = [];
    for (let i = 0; i < 1000; i++) program.push(["NONE"]);
    program.push(["STOP"]);
    const issues = analyzePickle(assemble(program), 0, policy, {
      limits: { maxStack: 100 },
    }).issues;
    expect(only(issues, "pickle.resource-limit").severity).toBe("medium");
  });

  it("protocol and framing anomalies are low", () => {
    const issue = only(
      issuesOf([["PROTO", 2], ["SHORT_BINUNICODE", "x"], ["STOP"]]),
      "pickle.protocol-anomaly",
    );
    expect(issue).toMatchObject({ severity: "low", threats: MALFORMED_ARTIFACT });
    const straddle = concat(
      assemble([
        ["PROTO", 4],
        ["FRAME", 2],
      ]),
      assemble([["SHORT_BINUNICODE", "abc"], ["STOP"]]),
    );
    expect(only(analyzePickle(straddle, 0, policy).issues, "pickle.frame-anomaly").severity).toBe(
      "low",
    );
  });

  it("caps repeated findings and says how many were left out", () => {
    const program: Instruction[] = [["PROTO", 2]];
    for (let i = 0; i < 150; i++) program.push(["GLOBAL", "pkg", `f${i}`], ["POP"]);
    program.push(["NONE"], ["STOP"]);
    const issues = issuesOf(program);
    expect(issues.filter((i) => i.rule === "pickle.unknown-global-imported")).toHaveLength(100);
    expect(only(issues, "pickle.too-many-issues").evidence).toMatchObject({ omitted: 50 });
  });
});

describe("stacked pickles", () => {
  it("judges a malicious pickle after a benign one", () => {
    const bytes = concat(
      assemble([["PROTO", 2], ["EMPTY_DICT"], ["STOP"]]),
      assemble([["PROTO", 2], ...call("posix", "system"), ["STOP"]]),
    );
    const result = analyzePickleStream(bytes, policy);
    expect(result.pickles).toHaveLength(2);
    expect(only(result.issues, "pickle.dangerous-global").offset).toBe(6);
  });

  it("leaves trailing bytes that are not a pickle alone", () => {
    const bytes = concat(
      assemble([["PROTO", 2], ["EMPTY_DICT"], ["STOP"]]),
      new TextEncoder().encode("hello world"),
    );
    const result = analyzePickleStream(bytes, policy);
    expect(result.issues).toEqual([]);
    expect(result.trailing).toEqual({ offset: 4, length: 11 });
  });

  it("reports a trailing pickle that breaks", () => {
    const bytes = concat(
      assemble([["PROTO", 2], ["EMPTY_DICT"], ["STOP"]]),
      assemble([["PROTO", 2], ["EMPTY_DICT"]]),
    );
    const result = analyzePickleStream(bytes, policy);
    expect(only(result.issues, "pickle.broken-stream").offset).toBe(7);
  });
});
