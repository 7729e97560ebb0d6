import { Buffer } from "node:buffer";
import type { Severity } from "../../../core/index.js";
import { compilePolicy, type PolicyMatcher, type ScanPolicy } from "../policy/index.js";
import { CODE_EXECUTION, MALFORMED_ARTIFACT, UNSAFE_ARTIFACT } from "../threats.js";
import type { ScanIssue } from "../types.js";
import { latin1 } from "./decode.js";
import { startsLikePickle } from "./detect.js";
import { opcodeName } from "./opcodes.js";
import { deserializerKind, type PayloadKind } from "./resolvers.js";
import { analyzePickleStream } from "./stream.js";
import { type GlobalUse, type Payload, runPickle, type VmLimits, type VmResult } from "./vm.js";

/**
 * Judges one simulated pickle (vm.ts) against the import policy (policy/):
 *   - a denylisted global is critical, called or not (`pickle.dangerous-global`);
 *   - any other global the pickle calls is high (`pickle.unknown-global-called`);
 *   - one it only imports is medium (`pickle.unknown-global-imported`);
 *   - a class it only instantiates without running a constructor (NEWOBJ with no arguments,
 *     copyreg._reconstructor onto `object`, a torch full-module save) is low
 *     (`pickle.unknown-class-instantiated`): that is how `torch.save(model)` stores the user's
 *     own `__main__.Net`, and the class's code is the user's, not the file's;
 *   - allowlisted globals pass quietly.
 * Plus what hides a payload from simpler scanners: globals with computed names
 * (`pickle.unresolvable-global`, high), calls of something that is not an imported function
 * (`pickle.dynamic-call`, high), writes into an imported object (`pickle.global-mutated`,
 * high), a pickle passed as bytes to pickle.loads & co (`pickle.nested-deserializer`,
 * critical, and the inner pickle is judged too), a stream that breaks
 * (`pickle.broken-stream`: medium, high right after a call of a non-allowlisted callable —
 * the loader has run it by then), and protocol/framing oddities (low).
 * Defaults: at most 100 findings per rule (1000 for criticals) and a count of the rest;
 * nested pickles followed 3 levels deep, each distinct payload once.
 */

export interface AnalyzeOptions {
  /** Stop reading here (default: the end of `bytes`). */
  end?: number;
  limits?: Partial<VmLimits>;
  /** How deep nested pickles are followed (default 3). */
  maxNesting?: number;
  /** Set by the nested analysis: prefixes titles and tags evidence. */
  nesting?: { depth: number; context: string };
}

export interface PickleAnalysis {
  issues: ScanIssue[];
  /** Just past STOP when complete, else the offset where the stream broke. */
  end: number;
  complete: boolean;
  vm: VmResult;
}

const ADVICE = "Do not load this file; ask the publisher for a safetensors copy.";
const REVIEW_ADVICE =
  "If you know and trust this class or function, add it to scan.allow_globals in rampart.yaml; otherwise do not load the file and ask the publisher for a safetensors copy.";
/** Per kind of low/medium/high finding; criticals are capped separately and higher. */
const MAX_ISSUES_PER_RULE = 100;
const MAX_CRITICAL = 1000;

/** Simulates the pickle that starts at `offset` and judges it. Never throws. */
export function analyzePickle(
  bytes: Uint8Array,
  offset: number,
  policy: ScanPolicy,
  options: AnalyzeOptions = {},
): PickleAnalysis {
  const vm = runPickle(bytes, offset, options.end ?? bytes.length, options.limits);
  let issues: ScanIssue[];
  try {
    issues = judge(vm, bytes, policy, options);
  } catch (error) {
    // A bug here must not turn into a clean result: the file is reported as unverified.
    issues = [
      {
        rule: "pickle.scan-error",
        severity: "high",
        title: `pickle at offset ${offset} could not be judged: ${error instanceof Error ? error.message : String(error)}`,
        reason: `Rampart simulated this pickle but failed while judging it, so it is unverified. ${ADVICE}`,
        offset,
        evidence: { offset },
        threats: UNSAFE_ARTIFACT,
      },
    ];
  }
  return { issues, end: vm.end, complete: vm.complete, vm };
}

/** The issues for a finished simulation. */
export function judge(
  vm: VmResult,
  bytes: Uint8Array,
  policy: ScanPolicy,
  options: AnalyzeOptions = {},
): ScanIssue[] {
  const matcher = compilePolicy(policy);
  const out = new IssueList(options.nesting);
  for (const use of vm.globals.values()) judgeGlobal(use, matcher, out);
  // The same bytes handed to several deserialisers (or to one, many times through the memo)
  // are analysed once, which keeps nested analysis linear in the input.
  const seen = new Set<string>();
  for (const use of vm.globals.values()) {
    if (use.payloads.length > 0) judgePayloads(use, bytes, policy, matcher, options, out, seen);
  }
  judgeUnresolved(vm, out);
  judgeDynamicCalls(vm, out);
  judgeBreak(vm, matcher, out);
  judgeAnomalies(vm, out);
  return out.finish();
}

class IssueList {
  private readonly issues: ScanIssue[] = [];
  private readonly perRule = new Map<string, number>();
  private readonly dropped = new Map<string, number>();

  constructor(private readonly nesting: AnalyzeOptions["nesting"]) {}

  add(issue: ScanIssue): void {
    const n = this.perRule.get(issue.rule) ?? 0;
    const cap = issue.severity === "critical" ? MAX_CRITICAL : MAX_ISSUES_PER_RULE;
    if (n >= cap) {
      this.dropped.set(issue.rule, (this.dropped.get(issue.rule) ?? 0) + 1);
      return;
    }
    this.perRule.set(issue.rule, n + 1);
    this.issues.push(this.nesting === undefined ? issue : nested(issue, this.nesting));
  }

  addAll(issues: readonly ScanIssue[]): void {
    for (const issue of issues) this.add(issue);
  }

  finish(): ScanIssue[] {
    for (const [rule, count] of this.dropped) {
      this.issues.push({
        rule: "pickle.too-many-issues",
        severity: "medium",
        title: `${count} more ${rule} findings not listed`,
        reason: `Only the first findings of each kind are listed; the file has ${count} more of ${rule}. ${ADVICE}`,
        evidence: { rule, omitted: count },
        threats: UNSAFE_ARTIFACT,
      });
    }
    return this.issues.sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
  }
}

function nested(issue: ScanIssue, nesting: { depth: number; context: string }): ScanIssue {
  return {
    ...issue,
    title: `nested pickle ${nesting.context}: ${issue.title}`,
    evidence: { ...issue.evidence, nested: issue.evidence.nested ?? nesting },
  };
}

function where(use: GlobalUse): string {
  return use.via === undefined
    ? `imported at offset ${use.offset} (${use.opcode})`
    : `reached through ${use.via} at offset ${use.offset} (${use.opcode})`;
}

function calledText(use: GlobalUse): string {
  const call = use.firstCall;
  if (call === undefined) return "";
  return ` and called at offset ${call.offset} (${call.opcode}${call.via === undefined ? "" : ` via ${call.via}`})`;
}

function evidence(use: GlobalUse, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    global: use.path,
    opcode: use.opcode,
    offset: use.offset,
    called: use.firstCall !== undefined,
    calls: use.calls + use.news + use.bareInsts,
    ...(use.via === undefined ? {} : { via: use.via }),
    ...(use.original === undefined ? {} : { writtenAs: use.original }),
    ...(use.firstCall === undefined
      ? {}
      : { callOffset: use.firstCall.offset, callOpcode: use.firstCall.opcode }),
    sites: use.sites.slice(0, 10),
    ...extra,
  };
}

/** A class by PEP 8 naming: a plain name starting with a capital letter. */
function looksLikeClass(name: string): boolean {
  return /^[A-Z][A-Za-z0-9_]*$/.test(name);
}

function judgeGlobal(use: GlobalUse, matcher: PolicyMatcher, out: IssueList): void {
  const verdict = matcher.classify(use.module, use.name);
  if (verdict.verdict === "dangerous") {
    const called = use.firstCall !== undefined;
    out.add({
      rule: "pickle.dangerous-global",
      severity: "critical",
      title: `${use.path} ${where(use)}${calledText(use)}`,
      reason: `${verdict.rule.reason} ${
        called
          ? "The pickle calls it, so it runs as soon as the file is loaded."
          : "The pickle imports it while loading; nothing legitimate in a model file needs it."
      } ${ADVICE}`,
      offset: use.offset,
      evidence: evidence(use, { rule: verdict.rule.pattern, matched: verdict.matched }),
      threats: CODE_EXECUTION,
    });
  }
  if (use.mutations > 0) {
    out.add({
      rule: "pickle.global-mutated",
      severity: verdict.verdict === "dangerous" ? "critical" : "high",
      title: `${use.path} ${where(use)} is modified while loading (${use.mutations}×: BUILD, APPEND or SETITEM on the imported object)`,
      reason: `The pickle writes attributes or items into an imported module-level object instead of a new instance. That changes the program's state for everything loaded afterwards and is a known way to smuggle names past scanners (set numpy.prod.a = "os", then import "numpy prod.a"). ${ADVICE}`,
      offset: use.offset,
      evidence: evidence(use, { mutations: use.mutations }),
      threats: CODE_EXECUTION,
    });
  }
  if (verdict.verdict !== "unknown") return;
  // INST/OBJ without arguments call a function outright and only skip the constructor of
  // a real class; Python 3 never writes them for classes, so they count as calls.
  const runsCode = use.calls > 0 || use.bareInsts > 0;
  if (runsCode) {
    out.add({
      rule: "pickle.unknown-global-called",
      severity: "high",
      title: `${use.path} ${where(use)}${calledText(use)}`,
      reason: `${use.path} is not on the list of globals known to only rebuild model data, and loading the file calls it with arguments the file chooses, so code from that module runs on load. ${REVIEW_ADVICE}`,
      offset: use.offset,
      evidence: evidence(use),
      threats: CODE_EXECUTION,
    });
  } else if (use.news > 0 && looksLikeClass(use.name)) {
    out.add({
      rule: "pickle.unknown-class-instantiated",
      severity: "low",
      title: `${use.path} ${where(use)} is instantiated without its constructor`,
      reason: `The pickle creates a ${use.path} object without running its constructor and then restores its fields: how torch.save(model) stores a full module, including classes defined in a training script (__main__). No constructor runs with arguments from the file; the saved fields go to the class's own __setstate__ (or straight into its __dict__), so loading depends on that class's code in your environment being trustworthy. ${REVIEW_ADVICE} Prefer weights saved as a state_dict or safetensors.`,
      offset: use.offset,
      evidence: evidence(use),
      threats: UNSAFE_ARTIFACT,
    });
  } else {
    out.add({
      rule: "pickle.unknown-global-imported",
      severity: "medium",
      title: `${use.path} ${where(use)}`,
      reason: `${use.path} is not on the list of globals known to only rebuild model data. The pickle does not call it, but importing a module runs that module's top-level code and the object can be handed to code that does get called. ${REVIEW_ADVICE}`,
      offset: use.offset,
      evidence: evidence(use),
      threats: UNSAFE_ARTIFACT,
    });
  }
}

function judgePayloads(
  use: GlobalUse,
  bytes: Uint8Array,
  policy: ScanPolicy,
  matcher: PolicyMatcher,
  options: AnalyzeOptions,
  out: IssueList,
  seen: Set<string>,
): void {
  const kind = deserializerKind(use.path);
  if (kind === undefined) return;
  // A deserialiser allowed in rampart.yaml (torch.storage._load_from_bytes for plainly
  // pickled tensors) no longer raises the alarm itself, but its payload is still judged.
  const allowed = matcher.classify(use.module, use.name).verdict === "safe";
  const depth = options.nesting?.depth ?? 0;
  const maxNesting = options.maxNesting ?? 3;
  for (const payload of use.payloads) {
    const key = `${kind}:${payload.key}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const data = payloadBytes(payload);
    const format = payloadFormat(kind, data);
    if (format === undefined) continue;
    if (!allowed) {
      out.add({
        rule: "pickle.nested-deserializer",
        severity: "critical",
        title: `${use.path} at offset ${payload.offset} deserialises ${format} packed in the file (${data.length} bytes at offset ${payload.dataOffset})`,
        reason: `A second payload is stored as a byte string inside this pickle and handed to ${use.path}, which unpacks and runs it during loading; scanners that only list this pickle's imports never see it. ${ADVICE}`,
        offset: payload.offset,
        evidence: evidence(use, {
          payloadOffset: payload.dataOffset,
          payloadBytes: data.length,
          payloadFormat: format,
          ...(payload.transform === "identity" ? {} : { transform: payload.transform }),
        }),
        threats: CODE_EXECUTION,
      });
    }
    if (format === "a pickle" && depth < maxNesting) {
      const inner = analyzePickleStream(data, policy, {
        ...(options.limits === undefined ? {} : { limits: options.limits }),
        maxNesting,
        nesting: {
          depth: depth + 1,
          context: `at offset ${payload.dataOffset}, passed to ${use.path} (inner offsets relative)`,
        },
      });
      // Offsets inside a payload copied out of the file are relative to that payload.
      out.addAll(
        inner.issues.map((issue) =>
          data.buffer === bytes.buffer && payload.transform === "identity"
            ? { ...issue, offset: payload.dataOffset + (issue.offset ?? 0) }
            : { ...issue, offset: payload.offset },
        ),
      );
    }
  }
}

function payloadBytes(payload: Payload): Uint8Array {
  if (payload.transform !== "base64") return payload.data;
  const text = latin1(payload.data).replace(/[^A-Za-z0-9+/=_-]/g, "");
  return Buffer.from(text, "base64");
}

/** What the deserialiser would read, or undefined when it is not serialized data. */
function payloadFormat(kind: PayloadKind, data: Uint8Array): string | undefined {
  if (data.length === 0) return undefined;
  if (kind === "marshal") return "marshal data (compiled Python code)";
  if (kind === "yaml")
    return /!!python\//.test(latin1(data.subarray(0, 65536))) ? "YAML with Python tags" : undefined;
  if (startsLikePickle(data, 0)) return "a pickle";
  if (data[0] === 0x50 && data[1] === 0x4b && data[2] === 0x03 && data[3] === 0x04) {
    return "a zip archive (a PyTorch or numpy file)";
  }
  if (data[0] === 0x93 && latin1(data.subarray(1, 6)) === "NUMPY") return "a numpy .npy file";
  return undefined;
}

function judgeUnresolved(vm: VmResult, out: IssueList): void {
  for (const value of vm.unresolved) {
    const called = value.calls > 0;
    const name = value.reason.startsWith("extension")
      ? value.reason
      : `a global with ${value.reason}`;
    out.add({
      rule: "pickle.unresolvable-global",
      severity: "high",
      title: `${name} at offset ${value.offset} (${opcodeName(value.opcode)})${called ? ", then called" : ""}`,
      reason: `${
        value.reason.startsWith("extension")
          ? "The pickle imports through the copyreg extension registry, whose codes map to globals the loading program registered, so the file does not say what it imports."
          : "The module or name of this import is not a constant string: it is computed while loading (from a call, a memo trick or another object), so no scanner can tell what gets imported. That is how payloads hide os.system from allowlist scanners."
      } ${called ? "The result is called." : ""} ${ADVICE}`.replace(/\s+/g, " "),
      offset: value.offset,
      evidence: {
        global: null,
        opcode: opcodeName(value.opcode),
        offset: value.offset,
        called,
        calls: value.calls,
        detail: value.reason,
      },
      threats: called ? CODE_EXECUTION : UNSAFE_ARTIFACT,
    });
  }
  addOmitted(out, "pickle.unresolvable-global", vm.counts.unresolved - vm.unresolved.length);
}

function judgeDynamicCalls(vm: VmResult, out: IssueList): void {
  for (const call of vm.dynamicCalls) {
    out.add({
      rule: "pickle.dynamic-call",
      severity: "high",
      title: `call of ${call.callee} at offset ${call.offset} (${call.opcode})`,
      reason: `The pickle calls something that is not an imported function: the result of another call, a persistent object or a constant. What runs is decided while loading, so it cannot be checked against any list. ${ADVICE}`,
      offset: call.offset,
      evidence: {
        global: null,
        opcode: call.opcode,
        offset: call.offset,
        called: true,
        calls: 1,
        callee: call.callee,
      },
      threats: CODE_EXECUTION,
    });
  }
  addOmitted(out, "pickle.dynamic-call", vm.counts.dynamicCalls - vm.dynamicCalls.length);
}

function addOmitted(out: IssueList, rule: string, omitted: number): void {
  if (omitted <= 0) return;
  out.add({
    rule: "pickle.too-many-issues",
    severity: "medium",
    title: `${omitted} more ${rule} findings not recorded`,
    reason: `The simulation keeps a bounded number of records; ${omitted} more of ${rule} were seen. ${ADVICE}`,
    evidence: { rule, omitted },
    threats: UNSAFE_ARTIFACT,
  });
}

function judgeBreak(vm: VmResult, matcher: PolicyMatcher, out: IssueList): void {
  const error = vm.error;
  if (error === undefined) return;
  if (error.kind === "limit") {
    out.add({
      rule: "pickle.resource-limit",
      severity: "medium",
      title: `pickle simulation stopped at offset ${error.offset}: ${error.message}`,
      reason: `Rampart bounds the memory a pickle simulation may use; this one went past the bound, so everything after offset ${error.offset} was not checked. Treat the file as unverified. ${ADVICE}`,
      offset: error.offset,
      evidence: {
        offset: error.offset,
        opcode: error.opcode ?? null,
        kind: error.kind,
        message: error.message,
      },
      threats: UNSAFE_ARTIFACT,
    });
    return;
  }
  const last = vm.lastCall;
  let afterPayload = false;
  if (last !== undefined) {
    if (last.path === undefined) afterPayload = true;
    else {
      const dot = last.path.lastIndexOf(".");
      const verdict = matcher.classify(
        last.path.slice(0, Math.max(dot, 0)),
        last.path.slice(dot + 1),
      );
      afterPayload = verdict.verdict !== "safe";
    }
  }
  const severity: Severity = afterPayload ? "high" : "medium";
  out.add({
    rule: "pickle.broken-stream",
    severity,
    title: `pickle stream breaks at offset ${error.offset} (${error.opcode ?? "?"}): ${error.message}`,
    reason: afterPayload
      ? `A loader runs every opcode before this point and only then fails, so the call of ${last?.path ?? "a computed callable"} at offset ${last?.offset} has already happened; a broken tail is a common trick to make scanners give up after the payload. ${ADVICE}`
      : `A loader runs every opcode before this point and then fails. Everything before it was checked, but a malformed pickle is also a way to make other tools stop early or disagree about what the file contains. Ask the publisher for an intact copy, preferably safetensors.`,
    offset: error.offset,
    evidence: {
      offset: error.offset,
      opcode: error.opcode ?? null,
      kind: error.kind,
      message: error.message,
      ...(last === undefined ? {} : { lastCall: last }),
    },
    threats: afterPayload ? CODE_EXECUTION : MALFORMED_ARTIFACT,
  });
}

function judgeAnomalies(vm: VmResult, out: IssueList): void {
  for (const kind of ["protocol", "frame"] as const) {
    const list = vm.anomalies.filter((a) => a.kind === kind);
    const first = list[0];
    if (first === undefined) continue;
    out.add({
      rule: `pickle.${kind}-anomaly`,
      severity: "low",
      title: `${kind === "protocol" ? "protocol" : "framing"} anomaly at offset ${first.offset}: ${first.detail}${
        list.length > 1 ? ` (+${list.length - 1} more)` : ""
      }`,
      reason:
        kind === "protocol"
          ? "Python's pickler never writes this: the stream was assembled by hand or by a tool. Loaders accept it, but hand-made pickles are how payloads are built and how parsers are made to disagree."
          : "The protocol 4 framing (FRAME lengths) does not match the opcodes, which Python's own pickler never produces. Loaders differ in how strictly they check frames, so such a file can look different to different tools.",
      offset: first.offset,
      evidence: {
        anomalies: list.slice(0, 10).map((a) => ({ offset: a.offset, detail: a.detail })),
        count: list.length,
      },
      threats: MALFORMED_ARTIFACT,
    });
  }
}
