import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { severityRank } from "../../../core/index.js";
import { defaultPolicy } from "../policy/index.js";
import type { ScanIssue } from "../types.js";
import { analyzePickleStream } from "./stream.js";

/**
 * Real pickles written by CPython 3.11, torch 1.13, scikit-learn 1.2 and numpy 1.24
 * (testdata/make_pickles.py; `--verify` checked that every malicious one really runs
 * `echo pwned` when loaded).
 */

const policy = defaultPolicy();

function scan(name: string): ScanIssue[] {
  const bytes = new Uint8Array(readFileSync(new URL(`./testdata/${name}`, import.meta.url)));
  return analyzePickleStream(bytes, policy).issues;
}

function worst(issues: readonly ScanIssue[]): number {
  return Math.max(-1, ...issues.map((i) => severityRank(i.severity)));
}

function find(issues: readonly ScanIssue[], rule: string, global?: string): ScanIssue | undefined {
  return issues.find(
    (i) => i.rule === rule && (global === undefined || i.evidence.global === global),
  );
}

describe("malicious fixtures", () => {
  const critical: [file: string, global: string, opcode: string][] = [
    ["reduce_os_system_p0.pkl", "posix.system", "REDUCE"],
    ["reduce_os_system_p1.pkl", "posix.system", "REDUCE"],
    ["reduce_os_system_p2.pkl", "posix.system", "REDUCE"],
    ["reduce_os_system_p3.pkl", "posix.system", "REDUCE"],
    ["reduce_os_system_p4.pkl", "posix.system", "REDUCE"],
    ["reduce_os_system_p5.pkl", "posix.system", "REDUCE"],
    ["memo_overwrite.pkl", "posix.system", "REDUCE"],
    ["memo_mixed.pkl", "os.system", "REDUCE"],
    ["memo_text_p0.pkl", "os.system", "REDUCE"],
    ["stack_global_memo.pkl", "posix.system", "REDUCE"],
    ["getattr_import_chain.pkl", "os.system", "REDUCE"],
    ["stack_global_os_system_p4.pkl", "os.system", "REDUCE"],
    ["dotted_site_os_system.pkl", "site.os.system", "REDUCE"],
    ["dotted_os_path_join.pkl", "os.path.join", "REDUCE"],
    ["inst_os_system.pkl", "os.system", "INST"],
    ["obj_os_system.pkl", "os.system", "OBJ"],
    ["newobj_popen.pkl", "subprocess.Popen", "NEWOBJ"],
    ["stacked_benign_then_evil.pkl", "posix.system", "REDUCE"],
    ["broken_no_stop.pkl", "posix.system", "REDUCE"],
    ["broken_invalid_opcode.pkl", "posix.system", "REDUCE"],
    ["gadget_pydoc_pipepager.pkl", "pydoc.pipepager", "REDUCE"],
    ["gadget_runpy_run_code.pkl", "runpy._run_code", "REDUCE"],
    ["nested_pickle_loads.pkl", "_pickle.loads", "REDUCE"],
    ["nested_marshal_loads.pkl", "marshal.loads", "REDUCE"],
  ];

  for (const [file, global, opcode] of critical) {
    it(`${file}: ${global} is critical and called (${opcode})`, () => {
      const issue = find(scan(file), "pickle.dangerous-global", global);
      expect(issue).toMatchObject({
        severity: "critical",
        evidence: { called: true, callOpcode: opcode },
      });
    });
  }

  it("memo tricks do not make the decoy globals look called", () => {
    const issues = scan("memo_mixed.pkl");
    expect(issues.map((i) => i.evidence.global)).toEqual(["os.system"]);
  });

  it("getattr chains report the import, the lookup and the call", () => {
    const globals = scan("getattr_import_chain.pkl").map((i) => i.evidence.global);
    expect(globals).toEqual(["builtins.getattr", "builtins.__import__", "os", "os.system"]);
  });

  it("a STACK_GLOBAL fed by a call is unresolvable and high", () => {
    const issue = find(scan("stack_global_computed.pkl"), "pickle.unresolvable-global");
    expect(issue).toMatchObject({ severity: "high", evidence: { called: true } });
  });

  it("BUILD on numpy.prod then dotted imports of the planted names", () => {
    const issues = scan("build_setattr_global.pkl");
    expect(find(issues, "pickle.global-mutated", "numpy.prod")).toMatchObject({
      severity: "high",
      evidence: { mutations: 2 },
    });
    expect(find(issues, "pickle.unresolvable-global")).toMatchObject({
      severity: "high",
      evidence: { called: true },
    });
  });

  it("the pickle inside pickle.loads is judged as well", () => {
    const issues = scan("nested_pickle_loads.pkl");
    expect(find(issues, "pickle.nested-deserializer")?.severity).toBe("critical");
    const inner = find(issues, "pickle.dangerous-global", "posix.system");
    expect(inner?.title).toMatch(/^nested pickle at offset \d+, passed to _pickle\.loads/);
  });

  it("marshal bytecode handed to types.FunctionType is critical twice over", () => {
    const issues = scan("nested_marshal_loads.pkl");
    expect(find(issues, "pickle.nested-deserializer")?.title).toMatch(/marshal data/);
    expect(find(issues, "pickle.dangerous-global", "types.FunctionType")?.severity).toBe(
      "critical",
    );
    expect(find(issues, "pickle.dynamic-call")?.severity).toBe("high");
  });

  it("broken streams are judged on what came before, and the break is high", () => {
    for (const file of ["broken_no_stop.pkl", "broken_invalid_opcode.pkl"]) {
      expect(find(scan(file), "pickle.broken-stream")).toMatchObject({
        severity: "high",
        evidence: { lastCall: { path: "posix.system" } },
      });
    }
  });
});

describe("benign fixtures are not flagged above low", () => {
  for (const file of [
    "torch_zip_data.pkl",
    "sklearn_logistic_regression.pkl",
    "numpy_arrays_p2.pkl",
    "numpy_arrays_p5.pkl",
    "numpy_random_state.pkl",
    "benign_dict_p0.pkl",
  ]) {
    it(`${file}: no findings`, () => {
      expect(scan(file)).toEqual([]);
    });
  }

  it("the legacy torch state dict's stacked pickles have no findings", () => {
    // The raw storages after the five pickles do not start like a pickle: left alone here;
    // formats/pytorchLegacy.ts walks them.
    expect(scan("torch_legacy_state_dict.pt")).toEqual([]);
  });

  it("a full-module legacy checkpoint: __main__.TinyNet instantiated without its constructor is low", () => {
    // Decision: torch.save(model) pickles the user's class (here __main__.TinyNet) as an
    // import plus NEWOBJ with no arguments and a BUILD of its fields. Importing an unknown
    // global and "calling" it would be high by the plain rule, but NEWOBJ(cls, ()) runs
    // cls.__new__ only, no constructor code with arguments from the file, so it is low.
    // torch.nn.modules.* classes are on the allowlist. A class on the denylist stays
    // critical, and the same class called with arguments (REDUCE, NEWOBJ with args) is high.
    const issues = scan("torch_legacy_full_module.pt");
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      rule: "pickle.unknown-class-instantiated",
      severity: "low",
      evidence: { global: "__main__.TinyNet", called: true },
    });
    expect(worst(issues)).toBeLessThanOrEqual(severityRank("low"));
  });
});
