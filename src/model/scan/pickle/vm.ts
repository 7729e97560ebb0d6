import { fixImports } from "./compatNames.js";
import {
  escapeDecode,
  isFloatText,
  latin1,
  latin1Bytes,
  parseDecimal,
  parseLong,
  rawUnicodeEscape,
  utf8,
} from "./decode.js";
import { HIGHEST_PROTOCOL, OPCODE_PROTO, Op, opcodeName } from "./opcodes.js";
import { byteTransform, deserializerKind, type Semantics, semanticsOf } from "./resolvers.js";
import {
  BIGINT,
  BUFFER,
  type CallValue,
  type Container,
  type ContainerKind,
  describe,
  FLOAT,
  type GlobalValue,
  isContainer,
  type Special,
  type UnresolvedValue,
  type Value,
} from "./values.js";

/**
 * A symbolic pickle machine: it reads every opcode of protocols 0–5 the way CPython's
 * Unpickler does (Lib/pickle.py, Modules/_pickle.c) — stack, MARK stack, memo, framing —
 * but imports and calls nothing. Instead it records what the loader would import (GLOBAL,
 * STACK_GLOBAL, INST, EXT*) and what it would call (REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ, the
 * `__setstate__`/`append`/`__setitem__` that BUILD and the container opcodes invoke on an
 * imported object), following calls through getattr, import_module, partial and friends
 * (resolvers.ts).
 *
 * Robustness: the public function never throws; malformed input ends as `complete: false`
 * with a structured `error`. Memory is bounded by `VmLimits` (stack, memo, container items,
 * records), time by the input (every opcode consumes at least one byte; nothing recurses on
 * attacker-controlled structure). Defaults: a 4M-entry stack and memo (≈ 32 MB of slots),
 * 256 items kept per container, strings over 64 KiB kept undecoded.
 *
 * Fidelity: where the real loader raises, the machine stops too (bad opcode, truncation,
 * stack underflow, missing memo entry, unsupported protocol), so the analysis sees exactly
 * what would have run. Where it cannot tell, it keeps going: it must never stop earlier than
 * the loader would.
 */

export interface VmLimits {
  maxStack: number;
  maxMemo: number;
  maxContainerItems: number;
  /** Strings longer than this many bytes are kept as raw bytes (StrRef). */
  maxStringDecode: number;
  /** Cap on each record list (unresolved globals, dynamic calls, anomalies). */
  maxRecords: number;
  maxPersistentIds: number;
  /** Stop (as a limit break) after this many opcodes; detection probes use a small value. */
  maxOps: number;
}

export const DEFAULT_VM_LIMITS: Readonly<VmLimits> = Object.freeze({
  maxStack: 4_000_000,
  maxMemo: 4_000_000,
  maxContainerItems: 256,
  maxStringDecode: 64 * 1024,
  maxRecords: 1_000,
  maxPersistentIds: 1_000_000,
  maxOps: Number.POSITIVE_INFINITY,
});

export type BreakKind =
  | "invalid-opcode"
  | "truncated"
  | "underflow"
  | "memo"
  | "protocol"
  | "value"
  | "limit"
  | "internal";

export interface VmBreak {
  kind: BreakKind;
  /** Offset of the opcode that failed. */
  offset: number;
  opcode?: string;
  message: string;
}

/** One imported (or reached) global and everything done with it. */
export interface GlobalUse {
  readonly module: string;
  readonly name: string;
  readonly path: string;
  /** First reference. */
  readonly offset: number;
  readonly opcode: string;
  /** Reached through a lookup (`builtins.getattr`, `importlib.import_module` …), not imported. */
  readonly via?: string;
  /** The name as written, when Python 3 renames it (`__builtin__.eval`). */
  readonly original?: string;
  refs: number;
  /** Calls that run its code: REDUCE, a call through partial/map …, INST/OBJ/NEWOBJ with args. */
  calls: number;
  /** NEWOBJ / copyreg instantiations with no arguments: `cls.__new__(cls)`, no constructor. */
  news: number;
  /** INST/OBJ with no arguments: `cls.__new__(cls)` for a class, a call for a function. */
  bareInsts: number;
  /** BUILD / APPEND / SETITEM … applied to the imported object itself (module state changed). */
  mutations: number;
  firstCall?: { offset: number; opcode: string; via?: string };
  /** Where it is imported, called and modified: the first MAX_SITES occurrences, in order. */
  sites: Site[];
  /** Constant byte strings passed to it, when it is a deserialiser (resolvers.ts). */
  payloads: Payload[];
}

export interface Site {
  offset: number;
  opcode: string;
  kind: "import" | "call" | "new" | "mutation";
}

export interface Payload {
  /** Identity of the constant (its position, or a str's text), to analyse each one once. */
  key: string;
  /** Offset of the call. */
  offset: number;
  /** Offset of the constant. */
  dataOffset: number;
  data: Uint8Array;
  /** How the call chain turns the constant into bytes (io.BytesIO, _codecs.encode, base64). */
  transform: "identity" | "latin1" | "base64";
}

export interface DynamicCall {
  offset: number;
  opcode: string;
  /** What is called: a call result, a constant … */
  callee: string;
}

export interface Anomaly {
  kind: "frame" | "protocol";
  offset: number;
  detail: string;
}

export interface PersistentRecord {
  offset: number;
  pid: Value;
}

export interface VmResult {
  start: number;
  /** Just past STOP when complete; the offset of the failing opcode otherwise. */
  end: number;
  complete: boolean;
  error?: VmBreak;
  /** What STOP returned. */
  value?: Value;
  /** Declared by the first PROTO; 0 without one (protocols 0 and 1 have no PROTO). */
  protocol: number;
  /** Highest protocol among the opcodes used. */
  opcodeProtocol: number;
  ops: number;
  /** By path, in the order first seen. */
  globals: Map<string, GlobalUse>;
  unresolved: UnresolvedValue[];
  dynamicCalls: DynamicCall[];
  anomalies: Anomaly[];
  persistentIds: PersistentRecord[];
  /** The last call made before the end: a broken stream right after a payload matters. */
  lastCall?: { offset: number; opcode: string; path?: string };
  /** Totals, including records past the caps. */
  counts: { unresolved: number; dynamicCalls: number; anomalies: number; persistentIds: number };
}

class Break extends Error {
  constructor(
    readonly kind: BreakKind,
    message: string,
  ) {
    super(message);
  }
}

const NO_FRAME = Number.MAX_SAFE_INTEGER;
const MAX_LINE = 1024 * 1024;
const MAX_PAYLOADS = 16;
const MAX_PATH = 4096;
const MAX_SITES = 32;
const MAX_FORWARD_DEPTH = 4;
const OBJECT_PATHS = new Set(["builtins.object", "__builtin__.object"]);

/** Mutable machine state that the rare opcodes need; the hot locals stay in runPickle. */
class State {
  readonly memo = new Map<number, Value>();
  readonly globals = new Map<string, GlobalUse>();
  readonly unresolved: UnresolvedValue[] = [];
  readonly dynamicCalls: DynamicCall[] = [];
  readonly anomalies: Anomaly[] = [];
  readonly persistentIds: { offset: number; pid: Value }[] = [];
  readonly counts = { unresolved: 0, dynamicCalls: 0, anomalies: 0, persistentIds: 0 };
  lastCall: VmResult["lastCall"];
  protocol = 0;
  protoSeen = false;
  lineStart = 0;
  lineEnd = 0;

  constructor(
    readonly data: Uint8Array,
    readonly limits: VmLimits,
  ) {}

  anomaly(kind: Anomaly["kind"], offset: number, detail: string): void {
    this.counts.anomalies++;
    if (this.anomalies.length < this.limits.maxRecords)
      this.anomalies.push({ kind, offset, detail });
  }

  /** Reads one newline-terminated argument; returns the offset after it. */
  readLine(pos: number, end: number): number {
    const nl = this.data.indexOf(0x0a, pos);
    if (nl >= 0 && nl < end) {
      this.lineStart = pos;
      this.lineEnd = nl;
      return nl + 1;
    }
    // pickle.py's readline()[:-1] drops the last byte of an unterminated final line; the
    // loader still imports that name before it runs out of input, so do the same.
    if (end - pos < 2) throw new Break("truncated", "the stream ends inside a text argument");
    this.lineStart = pos;
    this.lineEnd = end - 1;
    return end;
  }

  lineText(): string {
    const n = this.lineEnd - this.lineStart;
    if (n > MAX_LINE) return `<${n} bytes>`;
    return latin1(this.data.subarray(this.lineStart, this.lineEnd));
  }

  lineUtf8(): string {
    const n = this.lineEnd - this.lineStart;
    if (n > MAX_LINE) return `<${n} bytes>`;
    return utf8(this.data.subarray(this.lineStart, this.lineEnd));
  }

  str(offset: number, length: number): Value {
    const bytes = this.data.subarray(offset, offset + length);
    if (length > this.limits.maxStringDecode) return { kind: "strref", data: bytes, offset };
    return utf8(bytes);
  }

  use(
    module: string,
    name: string,
    path: string,
    offset: number,
    opcode: number,
    via?: string,
    original?: string,
  ): GlobalUse {
    let use = this.globals.get(path);
    if (use === undefined) {
      use = {
        module,
        name,
        path,
        offset,
        opcode: opcodeName(opcode),
        ...(via === undefined ? {} : { via }),
        ...(original === undefined ? {} : { original }),
        refs: 0,
        calls: 0,
        news: 0,
        bareInsts: 0,
        mutations: 0,
        payloads: [],
        sites: [],
      };
      this.globals.set(path, use);
    }
    use.refs++;
    site(use, offset, opcode, "import");
    return use;
  }

  /** A dotted path reached through a lookup (getattr, import_module, pkgutil.resolve_name). */
  reach(path: string, offset: number, opcode: number, via: string): GlobalUse {
    const dot = path.lastIndexOf(".");
    const module = dot < 0 ? path : path.slice(0, dot);
    const name = dot < 0 ? "" : path.slice(dot + 1);
    return this.use(module, name, path, offset, opcode, via);
  }

  makeGlobal(rawModule: string, rawName: string, offset: number, opcode: number): GlobalValue {
    let module = rawModule;
    let name = rawName;
    if (this.protocol < 3) [module, name] = fixImports(rawModule, rawName);
    const path = `${module}.${name}`;
    const original =
      module === rawModule && name === rawName ? undefined : `${rawModule}.${rawName}`;
    this.use(module, name, path, offset, opcode, undefined, original);
    return { kind: "global", module, name, path, offset, opcode };
  }

  unresolvedGlobal(offset: number, opcode: number, reason: string): UnresolvedValue {
    const value: UnresolvedValue = { kind: "unresolved", offset, opcode, reason, calls: 0 };
    this.counts.unresolved++;
    if (this.unresolved.length < this.limits.maxRecords) this.unresolved.push(value);
    return value;
  }

  /** The dotted path a value denotes, when it is an imported or looked-up object. */
  pathOf(value: Value | undefined): string | undefined {
    if (value === undefined || value === null || typeof value !== "object") return undefined;
    if (value.kind === "global") return value.path;
    if (value.kind === "call") return value.returns;
    if (value.kind === "persistent") return persistentClass(value.pid);
    return undefined;
  }

  /**
   * Records a call of `callee` and returns what the result is known to be. `argc` is the
   * number of arguments (-1 when unknown); `how` is "new" for `cls.__new__(cls, *args)`,
   * "inst" for INST/OBJ, "call" for everything else.
   */
  invoke(
    callee: Value,
    args: Value,
    argc: number,
    how: "call" | "new" | "inst",
    opcode: number,
    offset: number,
    via?: string,
    depth = 0,
  ): { returns?: string; special?: Special } {
    let path: string | undefined;
    let through = via;
    if (callee !== null && typeof callee === "object") {
      switch (callee.kind) {
        case "global":
          path = callee.path;
          break;
        case "call": {
          const special = callee.special;
          if (special?.kind === "partial") {
            path = special.target;
            through ??= "functools.partial";
          } else if (special?.kind === "attrgetter") {
            const base = this.pathOf(item(args, 0));
            const returns = joinPath(base, special.attrs[0]);
            if (returns !== undefined) this.reach(returns, offset, opcode, "operator.attrgetter");
            return returns === undefined ? {} : { returns };
          } else if (special?.kind === "methodcaller") {
            const base = this.pathOf(item(args, 0));
            path = joinPath(base, special.method);
            through ??= "operator.methodcaller";
            if (path !== undefined) this.reach(path, offset, opcode, through);
          } else {
            path = callee.returns;
          }
          break;
        }
        case "persistent":
          path = persistentClass(callee.pid);
          break;
        case "unresolved":
          callee.calls++;
          this.lastCall = { offset, opcode: opcodeName(opcode) };
          return {};
      }
    }
    if (path === undefined) {
      this.counts.dynamicCalls++;
      if (this.dynamicCalls.length < this.limits.maxRecords) {
        this.dynamicCalls.push({ offset, opcode: opcodeName(opcode), callee: describe(callee) });
      }
      this.lastCall = { offset, opcode: opcodeName(opcode) };
      return {};
    }
    let use = this.globals.get(path);
    if (use === undefined) use = this.reach(path, offset, opcode, through ?? "a call result");
    if (how === "call" || argc !== 0) use.calls++;
    else if (how === "new") use.news++;
    else use.bareInsts++;
    site(use, offset, opcode, how === "new" && argc === 0 ? "new" : "call");
    if (use.firstCall === undefined) {
      const callVia = through === undefined ? {} : { via: through };
      use.firstCall = { offset, opcode: opcodeName(opcode), ...callVia };
    }
    this.lastCall = { offset, opcode: opcodeName(opcode), path };
    if (deserializerKind(path) !== undefined) this.capturePayloads(use, args, offset);
    const semantics = semanticsOf(path);
    return semantics === undefined ? {} : this.apply(semantics, path, args, opcode, offset, depth);
  }

  private apply(
    semantics: Semantics,
    path: string,
    args: Value,
    opcode: number,
    offset: number,
    depth: number,
  ): { returns?: string; special?: Special } {
    const a0 = item(args, 0);
    switch (semantics.kind) {
      case "getattr": {
        const base = this.pathOf(a0);
        const attr = item(args, 1);
        const returns = joinPath(base, typeof attr === "string" ? attr : undefined);
        if (returns === undefined) return {};
        this.reach(returns, offset, opcode, path);
        return { returns };
      }
      case "import": {
        if (typeof a0 !== "string") return {};
        const fromlist = item(args, 3);
        const full = !semantics.topLevel || (isContainer(fromlist) && fromlist.size > 0);
        const returns = full ? a0 : (a0.split(".")[0] ?? a0);
        this.reach(returns, offset, opcode, path);
        return { returns };
      }
      case "resolve-name": {
        if (typeof a0 !== "string") return {};
        const returns = a0.replace(":", ".");
        this.reach(returns, offset, opcode, path);
        return { returns };
      }
      case "attrgetter": {
        const attrs = itemsOf(args).filter((v): v is string => typeof v === "string");
        return { special: { kind: "attrgetter", attrs } };
      }
      case "methodcaller":
        return {
          special: { kind: "methodcaller", method: typeof a0 === "string" ? a0 : undefined },
        };
      case "partial":
        return { special: { kind: "partial", target: this.pathOf(a0) } };
      case "forward": {
        if (depth >= MAX_FORWARD_DEPTH) return {};
        const inner = item(args, semantics.arg);
        let argc: number;
        if (semantics.argc === "rest") {
          const n = sizeOf(args);
          argc = n < 0 ? -1 : Math.max(0, n - semantics.arg - 1);
        } else if (semantics.argc === "tuple") argc = sizeOf(item(args, semantics.arg + 1));
        else if (semantics.argc === "tuple-at-2") argc = sizeOf(item(args, 2));
        else argc = semantics.argc;
        if (inner !== undefined) {
          this.invoke(inner, null, argc, semantics.how, opcode, offset, path, depth + 1);
        }
        return {};
      }
      case "reconstructor": {
        if (depth >= MAX_FORWARD_DEPTH) return {};
        const base = item(args, 1);
        const basePath = this.pathOf(base);
        if (base !== undefined && (basePath === undefined || !OBJECT_PATHS.has(basePath))) {
          this.invoke(base, null, 1, "call", opcode, offset, path, depth + 1);
        }
        if (a0 !== undefined) this.invoke(a0, null, 0, "new", opcode, offset, path, depth + 1);
        return {};
      }
    }
  }

  /** BUILD / APPEND / SETITEM … on an imported object changes module state. */
  mutate(target: Value, opcode: number, offset: number): void {
    if (target === null || typeof target !== "object") return;
    if (target.kind === "global" || (target.kind === "call" && target.returns !== undefined)) {
      // getattr(os, "environ") then SETITEM: a looked-up object is module state too.
      const use = this.globals.get(target.kind === "global" ? target.path : (target.returns ?? ""));
      if (use !== undefined) {
        use.mutations++;
        site(use, offset, opcode, "mutation");
      }
    } else if (target.kind === "unresolved") {
      target.calls++;
    } else {
      return;
    }
    this.lastCall = { offset, opcode: opcodeName(opcode), ...pathField(this.pathOf(target)) };
  }

  private capturePayloads(use: GlobalUse, args: Value, offset: number): void {
    if (!isContainer(args)) return;
    for (const arg of args.items) {
      if (use.payloads.length >= MAX_PAYLOADS) return;
      const payload = toPayload(arg, offset, this);
      if (payload !== undefined && !use.payloads.some((p) => p.key === payload.key)) {
        use.payloads.push(payload);
      }
    }
  }
}

/**
 * `base.attr`, or undefined when either is unknown or the chain is absurdly long: a chain of
 * lookups fed back through the memo must not build ever-longer strings (quadratic memory).
 */
function joinPath(base: string | undefined, attr: string | undefined): string | undefined {
  if (base === undefined || attr === undefined) return undefined;
  if (base.length + attr.length >= MAX_PATH) return undefined;
  return `${base}.${attr}`;
}

function site(use: GlobalUse, offset: number, opcode: number, kind: Site["kind"]): void {
  if (use.sites.length < MAX_SITES) use.sites.push({ offset, opcode: opcodeName(opcode), kind });
}

function pathField(path: string | undefined): { path?: string } {
  return path === undefined ? {} : { path };
}

function toPayload(value: Value, offset: number, state: State): Payload | undefined {
  if (value === null || typeof value !== "object") {
    if (typeof value === "string" && value.length > 0) {
      const data = latin1Bytes(value);
      return { key: `s:${value}`, offset, dataOffset: offset, data, transform: "identity" };
    }
    return undefined;
  }
  if (value.kind === "bytes" || value.kind === "strref") {
    const key = `o:${value.offset}:${value.data.length}`;
    return { key, offset, dataOffset: value.offset, data: value.data, transform: "identity" };
  }
  if (value.kind === "call") {
    const path = state.pathOf(value.callee);
    const transform = path === undefined ? undefined : byteTransform(path);
    if (transform === undefined) return undefined;
    const inner = toPayload(item(value.args, 0) ?? null, offset, state);
    if (inner === undefined) return undefined;
    const applied = inner.transform !== "identity" ? inner.transform : transform;
    return { ...inner, key: `${inner.key}:${applied}`, transform: applied };
  }
  return undefined;
}

/** torch's persistent_load returns the class of a ('module', cls, file, source) id. */
function persistentClass(pid: Value): string | undefined {
  if (!isContainer(pid) || pid.kind !== "tuple") return undefined;
  const [tag, cls] = pid.items;
  if (tag !== "module" || cls === null || typeof cls !== "object" || cls.kind !== "global") {
    return undefined;
  }
  return cls.path;
}

function item(value: Value | undefined, index: number): Value | undefined {
  if (value === undefined || !isContainer(value) || value.kind === "dict") return undefined;
  return value.items[index];
}

function itemsOf(value: Value): Value[] {
  return isContainer(value) ? value.items : [];
}

function sizeOf(value: Value | undefined): number {
  if (value === undefined || !isContainer(value)) return -1;
  return value.size;
}

function newContainer(kind: ContainerKind, offset: number): Container {
  return { kind, items: [], size: 0, offset };
}

/** Appends stack[from, to) to a container, keeping at most `cap` items. */
function addItems(target: Container, stack: Value[], from: number, to: number, cap: number): void {
  const room = cap - target.items.length;
  const keep = Math.min(room, to - from);
  for (let i = 0; i < keep; i++) target.items.push(stack[from + i] as Value);
  target.size += to - from;
}

/**
 * Runs the pickle that starts at `start` in `data` (reading no further than `end`) up to its
 * STOP. Never throws.
 */
export function runPickle(
  data: Uint8Array,
  start = 0,
  end: number = data.length,
  limits: Partial<VmLimits> = {},
): VmResult {
  const lim: VmLimits = { ...DEFAULT_VM_LIMITS, ...limits };
  const st = new State(data, lim);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: Value[] = [];
  const marks: number[] = [];
  const cap = lim.maxContainerItems;
  const maxStack = lim.maxStack;
  const maxOps = lim.maxOps;
  let fence = 0;
  let pos = start;
  let opStart = start;
  let code = 0;
  let ops = 0;
  let frameEnd = NO_FRAME;
  let opcodeProtocol = 0;
  let value: Value | undefined;
  let complete = false;
  let error: VmBreak | undefined;
  if (end > data.length) end = data.length;

  try {
    for (;;) {
      opStart = pos;
      if (pos >= end) throw new Break("truncated", "the stream ends without a STOP opcode");
      if (ops >= maxOps) throw new Break("limit", `stopped after ${ops} opcodes`);
      // The stack grows by at most one entry per opcode, so checking every 256 is enough.
      if ((ops & 0xff) === 0 && stack.length > maxStack) {
        throw new Break("limit", `the stack grew past ${maxStack} entries`);
      }
      code = data[pos++]!;
      ops++;
      const proto = OPCODE_PROTO[code]!;
      if (proto > opcodeProtocol) {
        if (proto === 255) throw new Break("invalid-opcode", `invalid opcode 0x${hex(code)}`);
        opcodeProtocol = proto;
      }
      // Literal case labels let V8 compile a jump table; `case Op.X` labels would be
      // evaluated one after the other on every opcode (measured 1.4-1.9x slower).
      switch (code) {
        // ---- constants -------------------------------------------------------------------
        case 0x4b: // BININT1
          if (pos + 1 > end) throw truncated();
          stack.push(data[pos]!);
          pos += 1;
          break;
        case 0x4d: // BININT2
          if (pos + 2 > end) throw truncated();
          stack.push(dv.getUint16(pos, true));
          pos += 2;
          break;
        case 0x4a: // BININT
          if (pos + 4 > end) throw truncated();
          stack.push(dv.getInt32(pos, true));
          pos += 4;
          break;
        case 0x47: // BINFLOAT
          if (pos + 8 > end) throw truncated();
          stack.push(FLOAT);
          pos += 8;
          break;
        case 0x8a: {
          // LONG1
          if (pos + 1 > end) throw truncated();
          const n = data[pos]!;
          pos += 1;
          if (pos + n > end) throw truncated();
          stack.push(n <= 6 ? readLongLE(data, pos, n) : BIGINT);
          pos += n;
          break;
        }
        case 0x8b: {
          // LONG4
          if (pos + 4 > end) throw truncated();
          const n = dv.getInt32(pos, true);
          if (n < 0) throw new Break("value", "LONG4 with a negative byte count");
          pos += 4;
          if (pos + n > end) throw truncated();
          stack.push(n <= 6 ? readLongLE(data, pos, n) : BIGINT);
          pos += n;
          break;
        }
        case 0x49: {
          // INT
          pos = st.readLine(pos, end);
          const text = st.lineText();
          if (text === "00") stack.push(false);
          else if (text === "01") stack.push(true);
          else {
            // pickle.py reads INT with int(line, 0): hex, octal and binary literals count.
            const n = parseLong(text);
            if (n === undefined) throw new Break("value", "INT argument is not an integer");
            stack.push(n === "big" ? BIGINT : n);
          }
          break;
        }
        case 0x4c: {
          // LONG
          pos = st.readLine(pos, end);
          const n = parseLong(st.lineText());
          if (n === undefined) throw new Break("value", "LONG argument is not an integer");
          stack.push(n === "big" ? BIGINT : n);
          break;
        }
        case 0x46: // FLOAT
          pos = st.readLine(pos, end);
          if (!isFloatText(st.lineText()))
            throw new Break("value", "FLOAT argument is not a float");
          stack.push(FLOAT);
          break;
        case 0x4e: // NONE
          stack.push(null);
          break;
        case 0x88: // NEWTRUE
          stack.push(true);
          break;
        case 0x89: // NEWFALSE
          stack.push(false);
          break;

        // ---- strings and bytes ---------------------------------------------------------
        case 0x8c: {
          // SHORT_BINUNICODE
          if (pos + 1 > end) throw truncated();
          const n = data[pos]!;
          pos += 1;
          if (pos + n > end) throw truncated();
          stack.push(st.str(pos, n));
          pos += n;
          break;
        }
        case 0x58: {
          // BINUNICODE
          if (pos + 4 > end) throw truncated();
          const n = dv.getUint32(pos, true);
          pos += 4;
          if (pos + n > end) throw truncated();
          stack.push(st.str(pos, n));
          pos += n;
          break;
        }
        case 0x8d: {
          // BINUNICODE8
          const n = readSize8(dv, pos, end);
          pos += 8;
          if (pos + n > end) throw truncated();
          stack.push(st.str(pos, n));
          pos += n;
          break;
        }
        case 0x56: {
          // UNICODE
          pos = st.readLine(pos, end);
          const bytes = data.subarray(st.lineStart, st.lineEnd);
          stack.push(
            bytes.length > lim.maxStringDecode
              ? { kind: "strref", data: bytes, offset: st.lineStart }
              : rawUnicodeEscape(bytes),
          );
          break;
        }
        case 0x53: {
          // STRING
          pos = st.readLine(pos, end);
          const n = st.lineEnd - st.lineStart;
          const q = data[st.lineStart];
          if (n < 2 || (q !== 0x27 && q !== 0x22) || data[st.lineEnd - 1] !== q) {
            throw new Break("value", "the STRING opcode argument must be quoted");
          }
          const raw = escapeDecode(data.subarray(st.lineStart + 1, st.lineEnd - 1));
          stack.push(
            raw.length > lim.maxStringDecode
              ? { kind: "strref", data: raw, offset: st.lineStart }
              : latin1(raw),
          );
          break;
        }
        case 0x55: {
          // SHORT_BINSTRING
          if (pos + 1 > end) throw truncated();
          const n = data[pos]!;
          pos += 1;
          if (pos + n > end) throw truncated();
          stack.push(latinStr(data, pos, n, lim));
          pos += n;
          break;
        }
        case 0x54: {
          // BINSTRING
          if (pos + 4 > end) throw truncated();
          const n = dv.getInt32(pos, true);
          if (n < 0) throw new Break("value", "BINSTRING with a negative byte count");
          pos += 4;
          if (pos + n > end) throw truncated();
          stack.push(latinStr(data, pos, n, lim));
          pos += n;
          break;
        }
        case 0x43: {
          // SHORT_BINBYTES
          if (pos + 1 > end) throw truncated();
          const n = data[pos]!;
          pos += 1;
          if (pos + n > end) throw truncated();
          stack.push({
            kind: "bytes",
            data: data.subarray(pos, pos + n),
            offset: pos,
            bytearray: false,
          });
          pos += n;
          break;
        }
        case 0x42: {
          // BINBYTES
          if (pos + 4 > end) throw truncated();
          const n = dv.getUint32(pos, true);
          pos += 4;
          if (pos + n > end) throw truncated();
          stack.push({
            kind: "bytes",
            data: data.subarray(pos, pos + n),
            offset: pos,
            bytearray: false,
          });
          pos += n;
          break;
        }
        case 0x8e: // BINBYTES8
        case 0x96: {
          // BYTEARRAY8
          const n = readSize8(dv, pos, end);
          pos += 8;
          if (pos + n > end) throw truncated();
          stack.push({
            kind: "bytes",
            data: data.subarray(pos, pos + n),
            offset: pos,
            bytearray: code === Op.BYTEARRAY8,
          });
          pos += n;
          break;
        }
        case 0x97: // NEXT_BUFFER
          // Out-of-band data: plain loads() refuses it, loads(buffers=…) reads on. Keep going.
          st.anomaly("protocol", opStart, "NEXT_BUFFER: the pickle expects out-of-band buffers");
          stack.push(BUFFER);
          break;
        case 0x98: // READONLY_BUFFER
          if (stack.length <= fence) throw underflow();
          break;

        // ---- containers ------------------------------------------------------------------
        case 0x5d: // EMPTY_LIST
          stack.push(newContainer("list", opStart));
          break;
        case 0x7d: // EMPTY_DICT
          stack.push(newContainer("dict", opStart));
          break;
        case 0x29: // EMPTY_TUPLE
          stack.push(newContainer("tuple", opStart));
          break;
        case 0x8f: // EMPTY_SET
          stack.push(newContainer("set", opStart));
          break;
        case 0x85: // TUPLE1
        case 0x86: // TUPLE2
        case 0x87: {
          // TUPLE3
          const n = code - Op.TUPLE1 + 1;
          if (stack.length - n < fence) throw underflow();
          const tuple = newContainer("tuple", opStart);
          addItems(tuple, stack, stack.length - n, stack.length, cap);
          stack.length -= n;
          stack.push(tuple);
          break;
        }
        case 0x28: // MARK
          marks.push(fence);
          fence = stack.length;
          break;
        case 0x74: // TUPLE
        case 0x6c: // LIST
        case 0x91: // FROZENSET
        case 0x64: {
          // DICT
          if (marks.length === 0) throw noMark();
          const kind: ContainerKind =
            code === Op.TUPLE
              ? "tuple"
              : code === Op.LIST
                ? "list"
                : code === Op.DICT
                  ? "dict"
                  : "frozenset";
          if (code === Op.DICT && (stack.length - fence) % 2 !== 0) {
            throw new Break("value", "odd number of items for DICT");
          }
          const container = newContainer(kind, opStart);
          addItems(container, stack, fence, stack.length, cap);
          stack.length = fence;
          fence = marks.pop()!;
          stack.push(container);
          break;
        }
        case 0x65: // APPENDS
        case 0x75: // SETITEMS
        case 0x90: {
          // ADDITEMS
          if (marks.length === 0) throw noMark();
          const from = fence;
          if (code === Op.SETITEMS && (stack.length - from) % 2 !== 0) {
            throw new Break("value", "odd number of items for SETITEMS");
          }
          // The target sits just below the MARK (C's load_appends does not check it against
          // the enclosing MARK, so neither does this).
          if (from === 0) throw underflow();
          const target = stack[from - 1] as Value;
          if (isContainer(target)) addItems(target, stack, from, stack.length, cap);
          else st.mutate(target, code, opStart);
          stack.length = from;
          fence = marks.pop()!;
          break;
        }
        case 0x61: {
          // APPEND
          if (stack.length - 2 < fence) throw underflow();
          const target = stack[stack.length - 2] as Value;
          if (isContainer(target)) addItems(target, stack, stack.length - 1, stack.length, cap);
          else st.mutate(target, code, opStart);
          stack.length -= 1;
          break;
        }
        case 0x73: {
          // SETITEM
          if (stack.length - 3 < fence) throw underflow();
          const target = stack[stack.length - 3] as Value;
          if (isContainer(target)) addItems(target, stack, stack.length - 2, stack.length, cap);
          else st.mutate(target, code, opStart);
          stack.length -= 2;
          break;
        }

        // ---- stack -----------------------------------------------------------------------
        case 0x30: // POP
          if (stack.length > fence) stack.length -= 1;
          else if (marks.length > 0) fence = marks.pop()!;
          else throw underflow();
          break;
        case 0x31: // POP_MARK
          if (marks.length === 0) throw noMark();
          stack.length = fence;
          fence = marks.pop()!;
          break;
        case 0x32: // DUP
          if (stack.length <= fence) throw underflow();
          stack.push(stack[stack.length - 1] as Value);
          break;

        // ---- memo ------------------------------------------------------------------------
        case 0x71: // BINPUT
          if (pos + 1 > end) throw truncated();
          memoPut(st, stack, fence, data[pos]!);
          pos += 1;
          break;
        case 0x72: // LONG_BINPUT
          if (pos + 4 > end) throw truncated();
          memoPut(st, stack, fence, dv.getUint32(pos, true));
          pos += 4;
          break;
        case 0x70: {
          // PUT
          pos = st.readLine(pos, end);
          const n = parseDecimal(st.lineText());
          if (n === undefined || n === "big")
            throw new Break("value", "PUT argument is not an index");
          if (n < 0) throw new Break("value", "negative PUT argument");
          memoPut(st, stack, fence, n);
          break;
        }
        case 0x94: // MEMOIZE
          // Python stores at len(memo): the number of distinct slots, not the highest index.
          memoPut(st, stack, fence, st.memo.size);
          break;
        case 0x68: // BINGET
          if (pos + 1 > end) throw truncated();
          stack.push(memoGet(st, data[pos]!));
          pos += 1;
          break;
        case 0x6a: // LONG_BINGET
          if (pos + 4 > end) throw truncated();
          stack.push(memoGet(st, dv.getUint32(pos, true)));
          pos += 4;
          break;
        case 0x67: {
          // GET
          pos = st.readLine(pos, end);
          const n = parseDecimal(st.lineText());
          if (n === undefined || n === "big")
            throw new Break("value", "GET argument is not an index");
          stack.push(memoGet(st, n));
          break;
        }

        // ---- imports -----------------------------------------------------------------------
        case 0x63: // GLOBAL
        case 0x69: {
          // INST
          pos = st.readLine(pos, end);
          const module = st.lineUtf8();
          pos = st.readLine(pos, end);
          const name = st.lineUtf8();
          const global = st.makeGlobal(module, name, opStart, code);
          if (code === Op.GLOBAL) {
            stack.push(global);
            break;
          }
          if (marks.length === 0) throw noMark();
          const args = newContainer("tuple", opStart);
          addItems(args, stack, fence, stack.length, cap);
          stack.length = fence;
          fence = marks.pop()!;
          stack.push(callValue(st, global, args, args.size, "inst", code, opStart));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          if (stack.length - 2 < fence) throw underflow();
          const name = stack.pop() as Value;
          const module = stack.pop() as Value;
          const m = nameOf(module);
          const n = nameOf(name);
          if (m !== undefined && n !== undefined) {
            stack.push(st.makeGlobal(m, n, opStart, code));
          } else {
            const reason = `module ${m === undefined ? describe(module) : JSON.stringify(m)}, name ${
              n === undefined ? describe(name) : JSON.stringify(n)
            }`;
            stack.push(st.unresolvedGlobal(opStart, code, reason));
          }
          break;
        }
        case 0x82: // EXT1
        case 0x83: // EXT2
        case 0x84: {
          // EXT4
          const size = code === Op.EXT1 ? 1 : code === Op.EXT2 ? 2 : 4;
          if (pos + size > end) throw truncated();
          const ext =
            size === 1 ? data[pos]! : size === 2 ? dv.getUint16(pos, true) : dv.getInt32(pos, true);
          pos += size;
          stack.push(st.unresolvedGlobal(opStart, code, `extension registry code ${ext}`));
          break;
        }

        // ---- calls ---------------------------------------------------------------------------
        case 0x52: {
          // REDUCE
          if (stack.length - 2 < fence) throw underflow();
          const args = stack.pop() as Value;
          const callee = stack.pop() as Value;
          stack.push(callValue(st, callee, args, sizeOf(args), "call", code, opStart));
          break;
        }
        case 0x81: {
          // NEWOBJ
          if (stack.length - 2 < fence) throw underflow();
          const args = stack.pop() as Value;
          const cls = stack.pop() as Value;
          stack.push(callValue(st, cls, args, sizeOf(args), "new", code, opStart));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          if (stack.length - 3 < fence) throw underflow();
          const kwargs = stack.pop() as Value;
          const args = stack.pop() as Value;
          const cls = stack.pop() as Value;
          const na = sizeOf(args);
          const nk = sizeOf(kwargs);
          const argc = na < 0 || nk < 0 ? -1 : na + nk;
          stack.push(callValue(st, cls, args, argc, "new", code, opStart));
          break;
        }
        case 0x6f: {
          // OBJ
          if (marks.length === 0) throw noMark();
          if (stack.length - fence < 1) throw underflow();
          const cls = stack[fence] as Value;
          const args = newContainer("tuple", opStart);
          addItems(args, stack, fence + 1, stack.length, cap);
          stack.length = fence;
          fence = marks.pop()!;
          stack.push(callValue(st, cls, args, args.size, "inst", code, opStart));
          break;
        }
        case 0x62: {
          // BUILD
          if (stack.length - 2 < fence) throw underflow();
          stack.pop();
          // BUILD calls inst.__setstate__(state) or sets attributes: on an instance that is
          // how objects are rebuilt; on an imported object it rewrites module state.
          const inst = stack[stack.length - 1] as Value;
          if (inst !== null && typeof inst === "object") {
            const kind = inst.kind;
            if (kind === "global" || kind === "unresolved") st.mutate(inst, code, opStart);
            else if (kind === "call" && inst.returns !== undefined) st.mutate(inst, code, opStart);
          }
          break;
        }

        // ---- persistent ids ------------------------------------------------------------------
        case 0x50: {
          // PERSID
          pos = st.readLine(pos, end);
          const pid = st.lineText();
          stack.push(persistent(st, pid, opStart));
          break;
        }
        case 0x51: {
          // BINPERSID
          if (stack.length <= fence) throw underflow();
          const pid = stack.pop() as Value;
          stack.push(persistent(st, pid, opStart));
          break;
        }

        // ---- machine control ---------------------------------------------------------------
        case 0x80: {
          // PROTO
          if (pos + 1 > end) throw truncated();
          const version = data[pos]!;
          pos += 1;
          if (version > HIGHEST_PROTOCOL) {
            throw new Break("protocol", `unsupported pickle protocol ${version}`);
          }
          if (st.protoSeen) {
            st.anomaly("protocol", opStart, `a second PROTO (${version}) inside the stream`);
          } else if (opStart !== start) {
            st.anomaly("protocol", opStart, `PROTO ${version} is not the first opcode`);
          }
          if (!st.protoSeen) st.protoSeen = true;
          st.protocol = version;
          break;
        }
        case 0x95: {
          // FRAME
          const n = readSize8(dv, pos, end);
          pos += 8;
          if (pos + n > end) throw new Break("truncated", `FRAME of ${n} bytes runs past the end`);
          if (frameEnd !== NO_FRAME && opStart < frameEnd) {
            st.anomaly("frame", opStart, "a FRAME starts before the current frame ends");
          }
          frameEnd = n === 0 ? NO_FRAME : pos + n;
          break;
        }
        case 0x2e: // STOP
          if (stack.length <= fence) throw underflow();
          value = stack.pop() as Value;
          complete = true;
          break;
        default:
          throw new Break("invalid-opcode", `invalid opcode 0x${hex(code)}`);
      }
      if (pos >= frameEnd) {
        if (pos > frameEnd && opStart < frameEnd) {
          st.anomaly("frame", opStart, `${opcodeName(code)} straddles the end of a frame`);
        }
        frameEnd = NO_FRAME;
      }
      if (complete) break;
    }
  } catch (thrown) {
    const kind: BreakKind = thrown instanceof Break ? thrown.kind : "internal";
    const message =
      thrown instanceof Break
        ? thrown.message
        : `internal error while simulating: ${thrown instanceof Error ? thrown.message : String(thrown)}`;
    error = { kind, offset: opStart, opcode: opcodeName(code), message };
  }

  if (st.protocol > 0 && opcodeProtocol > st.protocol) {
    st.anomaly(
      "protocol",
      start,
      `declares protocol ${st.protocol} but uses opcodes of protocol ${opcodeProtocol}`,
    );
  } else if (!st.protoSeen && opcodeProtocol >= 2) {
    st.anomaly("protocol", start, `no PROTO but uses opcodes of protocol ${opcodeProtocol}`);
  }
  return {
    start,
    end: complete ? pos : opStart,
    complete,
    ...(error === undefined ? {} : { error }),
    ...(complete ? { value } : {}),
    protocol: st.protocol,
    opcodeProtocol,
    ops,
    globals: st.globals,
    unresolved: st.unresolved,
    dynamicCalls: st.dynamicCalls,
    anomalies: st.anomalies,
    persistentIds: st.persistentIds,
    ...(st.lastCall === undefined ? {} : { lastCall: st.lastCall }),
    counts: st.counts,
  };
}

function callValue(
  st: State,
  callee: Value,
  args: Value,
  argc: number,
  how: "call" | "new" | "inst",
  opcode: number,
  offset: number,
): CallValue {
  const known = st.invoke(callee, args, argc, how, opcode, offset);
  return { kind: "call", callee, args, offset, opcode, ...known };
}

function persistent(st: State, pid: Value, offset: number): Value {
  st.counts.persistentIds++;
  if (st.persistentIds.length < st.limits.maxPersistentIds) st.persistentIds.push({ offset, pid });
  return { kind: "persistent", pid, offset };
}

function memoPut(st: State, stack: Value[], fence: number, index: number): void {
  if (stack.length <= fence) throw underflow();
  if (st.memo.size >= st.limits.maxMemo && !st.memo.has(index)) {
    throw new Break("limit", `the memo grew past ${st.limits.maxMemo} entries`);
  }
  st.memo.set(index, stack[stack.length - 1] as Value);
}

function memoGet(st: State, index: number): Value {
  const value = st.memo.get(index);
  if (value === undefined && !st.memo.has(index)) {
    throw new Break("memo", `memo value not found at index ${index}`);
  }
  return value as Value;
}

/** A constant usable as a module or attribute name (Python requires str; bytes are kept). */
function nameOf(value: Value): string | undefined {
  if (typeof value === "string") return value;
  if (
    value !== null &&
    typeof value === "object" &&
    (value.kind === "bytes" || value.kind === "strref")
  ) {
    return value.data.length > MAX_LINE ? undefined : latin1(value.data);
  }
  return undefined;
}

function latinStr(data: Uint8Array, pos: number, n: number, lim: VmLimits): Value {
  const bytes = data.subarray(pos, pos + n);
  return n > lim.maxStringDecode ? { kind: "strref", data: bytes, offset: pos } : latin1(bytes);
}

/** Little-endian two's complement of up to 6 bytes (exact in a double). */
function readLongLE(data: Uint8Array, pos: number, n: number): number {
  if (n === 0) return 0;
  let value = 0;
  for (let i = n - 1; i >= 0; i--) value = value * 256 + data[pos + i]!;
  if (data[pos + n - 1]! & 0x80) value -= 2 ** (8 * n);
  return value;
}

/** An 8-byte little-endian size; anything past 2^53 cannot fit in the input anyway. */
function readSize8(dv: DataView, pos: number, end: number): number {
  if (pos + 8 > end) throw truncated();
  const low = dv.getUint32(pos, true);
  const high = dv.getUint32(pos + 4, true);
  return high >= 0x200000 ? Number.MAX_SAFE_INTEGER : high * 0x1_0000_0000 + low;
}

function truncated(): Break {
  return new Break("truncated", "the stream ends inside an opcode argument");
}

function underflow(): Break {
  return new Break("underflow", "stack underflow: the opcode needs more values than there are");
}

function noMark(): Break {
  return new Break("underflow", "could not find MARK");
}

function hex(code: number): string {
  return code.toString(16).padStart(2, "0");
}
