import { describe, expect, it } from "vitest";
import { assemble, concat, type Instruction } from "./testdata/assemble.js";
import { type Container, isContainer, type Value } from "./values.js";
import { runPickle, type VmResult } from "./vm.js";

function run(program: readonly Instruction[], limits = {}): VmResult {
  return runPickle(assemble(program), 0, undefined, limits);
}

function items(value: Value | undefined): Value[] {
  if (!isContainer(value)) throw new Error(`not a container: ${JSON.stringify(value)}`);
  return value.items;
}

describe("constants", () => {
  it("reads every integer encoding", () => {
    const r = run([
      ["PROTO", 2],
      ["MARK"],
      ["BININT1", 255],
      ["BININT2", 65535],
      ["BININT", -5],
      ["INT", 42],
      ["INT", true],
      ["LONG", 7],
      ["LONG1", -129],
      ["LONG1", 2n ** 70n],
      ["LONG4", 1000],
      ["NEWTRUE"],
      ["NEWFALSE"],
      ["NONE"],
      ["TUPLE"],
      ["STOP"],
    ]);
    expect(r.complete).toBe(true);
    expect(items(r.value)).toEqual([
      255,
      65535,
      -5,
      42,
      true,
      7,
      -129,
      { kind: "bigint" },
      1000,
      true,
      false,
      null,
    ]);
  });

  it("reads INT as int(line, 0) like pickle.py (hex literals)", () => {
    const r = runPickle(new TextEncoder().encode("I0x10\n."));
    expect(r.value).toEqual({ kind: "bigint" });
    expect(runPickle(new TextEncoder().encode("Inope\n.")).error?.kind).toBe("value");
  });

  it("decodes every string and bytes opcode", () => {
    const r = run([
      ["MARK"],
      ["STRING", "it's\n"],
      ["BINSTRING", "bin"],
      ["SHORT_BINSTRING", "short"],
      ["UNICODE", "caf\u00e9 \u2603"],
      ["BINUNICODE", "x\u00e9"],
      ["SHORT_BINUNICODE", "y"],
      ["BINUNICODE8", "z"],
      ["SHORT_BINBYTES", new Uint8Array([1, 2])],
      ["BINBYTES", new Uint8Array([3])],
      ["BINBYTES8", new Uint8Array([4])],
      ["BYTEARRAY8", new Uint8Array([5])],
      ["FLOAT", 1.5],
      ["BINFLOAT", 2.5],
      ["TUPLE"],
      ["STOP"],
    ]);
    const values = items(r.value);
    expect(values.slice(0, 7)).toEqual([
      "it's\n",
      "bin",
      "short",
      "caf\u00e9 \u2603",
      "x\u00e9",
      "y",
      "z",
    ]);
    expect(values.slice(7, 11).map((v) => (v as { data: Uint8Array }).data[0])).toEqual([
      1, 3, 4, 5,
    ]);
    expect((values[10] as { bytearray: boolean }).bytearray).toBe(true);
    expect(values.slice(11)).toEqual([{ kind: "float" }, { kind: "float" }]);
  });

  it("requires STRING to be quoted, as the loader does", () => {
    const r = runPickle(new TextEncoder().encode("Snot quoted\n."));
    expect(r.complete).toBe(false);
    expect(r.error).toMatchObject({ kind: "value", offset: 0, opcode: "STRING" });
  });

  it("keeps very long strings undecoded", () => {
    const long = "a".repeat(100);
    const r = run([["BINUNICODE", long], ["STOP"]], { maxStringDecode: 10 });
    expect(r.value).toMatchObject({ kind: "strref" });
  });
});

describe("containers and the MARK stack", () => {
  it("builds lists, tuples, dicts, sets and frozensets", () => {
    const r = run([
      ["PROTO", 4],
      ["MARK"],
      ["EMPTY_LIST"],
      ["BININT1", 1],
      ["APPEND"],
      ["MARK"],
      ["BININT1", 2],
      ["BININT1", 3],
      ["APPENDS"],
      ["EMPTY_DICT"],
      ["SHORT_BINUNICODE", "k"],
      ["BININT1", 4],
      ["SETITEM"],
      ["MARK"],
      ["SHORT_BINUNICODE", "j"],
      ["NONE"],
      ["SETITEMS"],
      ["EMPTY_SET"],
      ["MARK"],
      ["BININT1", 5],
      ["ADDITEMS"],
      ["MARK"],
      ["BININT1", 6],
      ["FROZENSET"],
      ["MARK"],
      ["BININT1", 7],
      ["LIST"],
      ["MARK"],
      ["BININT1", 8],
      ["BININT1", 9],
      ["DICT"],
      ["EMPTY_TUPLE"],
      ["BININT1", 10],
      ["TUPLE1"],
      ["BININT1", 10],
      ["BININT1", 11],
      ["TUPLE2"],
      ["BININT1", 10],
      ["BININT1", 11],
      ["BININT1", 12],
      ["TUPLE3"],
      ["TUPLE"],
      ["STOP"],
    ]);
    expect(r.error).toBeUndefined();
    const all = items(r.value) as Container[];
    expect(all.map((c) => [c.kind, c.items])).toEqual([
      ["list", [1, 2, 3]],
      ["dict", ["k", 4, "j", null]],
      ["set", [5]],
      ["frozenset", [6]],
      ["list", [7]],
      ["dict", [8, 9]],
      ["tuple", []],
      ["tuple", [10]],
      ["tuple", [10, 11]],
      ["tuple", [10, 11, 12]],
    ]);
  });

  it("caps the items a container keeps but counts them all", () => {
    const program: Instruction[] = [["EMPTY_LIST"], ["MARK"]];
    for (let i = 0; i < 50; i++) program.push(["BININT1", i]);
    program.push(["APPENDS"], ["STOP"]);
    const r = run(program, { maxContainerItems: 8 });
    const list = r.value as Container;
    expect(list.items).toHaveLength(8);
    expect(list.size).toBe(50);
  });

  it("pops a MARK with POP when the stack above it is empty, and POP_MARK discards", () => {
    const r = run([["NONE"], ["MARK"], ["POP"], ["MARK"], ["BININT1", 1], ["POP_MARK"], ["STOP"]]);
    expect(r.complete).toBe(true);
    expect(r.value).toBeNull();
  });

  it("DUP copies the top, and stops at the MARK fence", () => {
    expect(run([["NONE"], ["DUP"], ["TUPLE2"], ["STOP"]]).complete).toBe(true);
    expect(run([["NONE"], ["MARK"], ["DUP"], ["STOP"]]).error?.kind).toBe("underflow");
  });

  it("reports stack underflow and a missing MARK instead of throwing", () => {
    expect(run([["APPEND"]]).error).toMatchObject({
      kind: "underflow",
      offset: 0,
      opcode: "APPEND",
    });
    expect(run([["TUPLE"]]).error?.message).toMatch(/MARK/);
    expect(run([["STOP"]]).error?.kind).toBe("underflow");
    expect(run([["MARK"], ["BININT1", 1], ["DICT"]]).error?.message).toMatch(/odd number/);
  });
});

describe("memo", () => {
  it("stores and fetches with every PUT and GET opcode", () => {
    const r = run([
      ["PROTO", 4],
      ["SHORT_BINUNICODE", "a"],
      ["PUT", 10],
      ["SHORT_BINUNICODE", "b"],
      ["BINPUT", 200],
      ["SHORT_BINUNICODE", "c"],
      ["LONG_BINPUT", 100000],
      ["SHORT_BINUNICODE", "d"],
      ["MEMOIZE"],
      ["POP"],
      ["POP"],
      ["POP"],
      ["POP"],
      ["MARK"],
      ["GET", 10],
      ["BINGET", 200],
      ["LONG_BINGET", 100000],
      ["BINGET", 3],
      ["TUPLE"],
      ["STOP"],
    ]);
    // MEMOIZE stores at len(memo) = 3, not at the highest index + 1.
    expect(items(r.value)).toEqual(["a", "b", "c", "d"]);
  });

  it("follows overwritten slots", () => {
    const r = run([
      ["GLOBAL", "collections", "OrderedDict"],
      ["BINPUT", 1],
      ["POP"],
      ["GLOBAL", "posix", "system"],
      ["BINPUT", 1],
      ["POP"],
      ["BINGET", 1],
      ["SHORT_BINUNICODE", "id"],
      ["TUPLE1"],
      ["REDUCE"],
      ["STOP"],
    ]);
    expect(r.globals.get("posix.system")?.calls).toBe(1);
    expect(r.globals.get("collections.OrderedDict")?.calls).toBe(0);
  });

  it("breaks on a GET of an empty slot, like the loader", () => {
    const r = run([["BINGET", 3], ["STOP"]]);
    expect(r.error).toMatchObject({ kind: "memo", offset: 0 });
  });

  it("bounds the memo", () => {
    const program: Instruction[] = [["NONE"]];
    for (let i = 0; i < 20; i++) program.push(["BINPUT", i]);
    program.push(["STOP"]);
    expect(run(program, { maxMemo: 10 }).error?.kind).toBe("limit");
  });
});

describe("imports", () => {
  it("records GLOBAL, STACK_GLOBAL and INST imports with their offsets", () => {
    const r = run([
      ["PROTO", 4],
      ["GLOBAL", "a.b", "C"],
      ["POP"],
      ["SHORT_BINUNICODE", "d"],
      ["SHORT_BINUNICODE", "e.f"],
      ["STACK_GLOBAL"],
      ["POP"],
      ["MARK"],
      ["INST", "g", "H"],
      ["STOP"],
    ]);
    expect([...r.globals.keys()]).toEqual(["a.b.C", "d.e.f", "g.H"]);
    expect(r.globals.get("a.b.C")).toMatchObject({
      module: "a.b",
      name: "C",
      offset: 2,
      opcode: "GLOBAL",
    });
    expect(r.globals.get("d.e.f")).toMatchObject({
      opcode: "STACK_GLOBAL",
      module: "d",
      name: "e.f",
    });
    expect(r.globals.get("g.H")).toMatchObject({ opcode: "INST", bareInsts: 1, calls: 0 });
  });

  it("applies Python 3's name fixes below protocol 3 only", () => {
    const old = run([["PROTO", 2], ["GLOBAL", "__builtin__", "eval"], ["STOP"]]);
    expect(old.globals.get("builtins.eval")?.original).toBe("__builtin__.eval");
    const p0 = run([["GLOBAL", "commands", "getoutput"], ["STOP"]]);
    expect(p0.globals.has("subprocess.getoutput")).toBe(true);
    const p3 = run([["PROTO", 3], ["GLOBAL", "__builtin__", "eval"], ["STOP"]]);
    expect(p3.globals.has("__builtin__.eval")).toBe(true);
  });

  it("resolves STACK_GLOBAL names from STRING opcodes and the memo", () => {
    const r = run([
      ["PROTO", 4],
      ["STRING", "os"],
      ["MEMOIZE"],
      ["BINSTRING", "system"],
      ["MEMOIZE"],
      ["POP"],
      ["POP"],
      ["BINGET", 0],
      ["BINGET", 1],
      ["STACK_GLOBAL"],
      ["STOP"],
    ]);
    expect(r.globals.has("os.system")).toBe(true);
    expect(r.unresolved).toHaveLength(0);
  });

  it("reports a STACK_GLOBAL whose names are not constants as unresolved", () => {
    const r = run([
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
    expect(r.unresolved).toHaveLength(1);
    expect(r.unresolved[0]).toMatchObject({ opcode: 0x93, calls: 1 });
    expect(r.unresolved[0]?.reason).toMatch(/builtins\.str\("os"\)/);
  });

  it("treats EXT1/EXT2/EXT4 as unresolved imports", () => {
    const r = run([
      ["PROTO", 2],
      ["EXT1", 1],
      ["EXT2", 300],
      ["EXT4", 70000],
      ["TUPLE3"],
      ["STOP"],
    ]);
    expect(r.unresolved.map((u) => u.reason)).toEqual([
      "extension registry code 1",
      "extension registry code 300",
      "extension registry code 70000",
    ]);
  });
});

describe("calls", () => {
  it("counts REDUCE, NEWOBJ, NEWOBJ_EX, OBJ and INST calls", () => {
    const r = run([
      ["PROTO", 4],
      ["GLOBAL", "m", "f"],
      ["EMPTY_TUPLE"],
      ["REDUCE"],
      ["GLOBAL", "m", "C"],
      ["EMPTY_TUPLE"],
      ["NEWOBJ"],
      ["GLOBAL", "m", "D"],
      ["BININT1", 1],
      ["TUPLE1"],
      ["NEWOBJ"],
      ["GLOBAL", "m", "E"],
      ["EMPTY_TUPLE"],
      ["EMPTY_DICT"],
      ["NEWOBJ_EX"],
      ["MARK"],
      ["GLOBAL", "m", "G"],
      ["OBJ"],
      ["MARK"],
      ["BININT1", 1],
      ["INST", "m", "h"],
      ["MARK"],
      ["TUPLE"],
      ["STOP"],
    ]);
    const g = (name: string) => r.globals.get(`m.${name}`);
    expect(g("f")).toMatchObject({ calls: 1, news: 0 });
    expect(g("C")).toMatchObject({ calls: 0, news: 1 });
    expect(g("D")).toMatchObject({ calls: 1, news: 0 });
    expect(g("E")).toMatchObject({ calls: 0, news: 1 });
    expect(g("G")).toMatchObject({ calls: 0, bareInsts: 1 });
    expect(g("h")).toMatchObject({ calls: 1 });
    expect(g("f")?.firstCall).toMatchObject({ opcode: "REDUCE" });
  });

  it("follows getattr on an __import__ result to the function it returns", () => {
    const r = run([
      ["PROTO", 2],
      ["GLOBAL", "builtins", "getattr"],
      ["GLOBAL", "builtins", "__import__"],
      ["BINUNICODE", "os"],
      ["TUPLE1"],
      ["REDUCE"],
      ["BINUNICODE", "system"],
      ["TUPLE2"],
      ["REDUCE"],
      ["BINUNICODE", "id"],
      ["TUPLE1"],
      ["REDUCE"],
      ["STOP"],
    ]);
    expect(r.globals.get("os")).toMatchObject({ via: "builtins.__import__" });
    expect(r.globals.get("os.system")).toMatchObject({ via: "builtins.getattr", calls: 1 });
    expect(r.dynamicCalls).toHaveLength(0);
  });

  it("follows getattr on an imported module and importlib.import_module", () => {
    const r = run([
      ["PROTO", 2],
      ["GLOBAL", "builtins", "getattr"],
      ["GLOBAL", "importlib", "import_module"],
      ["BINUNICODE", "subprocess"],
      ["TUPLE1"],
      ["REDUCE"],
      ["BINUNICODE", "check_output"],
      ["TUPLE2"],
      ["REDUCE"],
      ["STOP"],
    ]);
    expect(r.globals.has("subprocess.check_output")).toBe(true);
  });

  it("follows functools.partial, operator.methodcaller and operator.attrgetter", () => {
    const partial = run([
      ["PROTO", 2],
      ["GLOBAL", "functools", "partial"],
      ["GLOBAL", "m", "target"],
      ["BINUNICODE", "x"],
      ["TUPLE2"],
      ["REDUCE"],
      ["EMPTY_TUPLE"],
      ["REDUCE"],
      ["STOP"],
    ]);
    expect(partial.globals.get("m.target")?.calls).toBe(1);
    const caller = run([
      ["PROTO", 2],
      ["GLOBAL", "operator", "methodcaller"],
      ["BINUNICODE", "system"],
      ["BINUNICODE", "id"],
      ["TUPLE2"],
      ["REDUCE"],
      ["GLOBAL", "os", "path"],
      ["TUPLE1"],
      ["REDUCE"],
      ["STOP"],
    ]);
    expect(caller.globals.get("os.path.system")?.calls).toBe(1);
    const getter = run([
      ["PROTO", 2],
      ["GLOBAL", "operator", "attrgetter"],
      ["BINUNICODE", "system"],
      ["TUPLE1"],
      ["REDUCE"],
      ["GLOBAL", "m", "mod"],
      ["TUPLE1"],
      ["REDUCE"],
      ["BINUNICODE", "id"],
      ["TUPLE1"],
      ["REDUCE"],
      ["STOP"],
    ]);
    expect(getter.globals.get("m.mod.system")?.calls).toBe(1);
  });

  it("sees the class that copyreg._reconstructor and copyreg.__newobj__ instantiate", () => {
    const r = run([
      ["GLOBAL", "copy_reg", "_reconstructor"],
      ["MARK"],
      ["GLOBAL", "m", "C"],
      ["GLOBAL", "__builtin__", "object"],
      ["NONE"],
      ["TUPLE"],
      ["REDUCE"],
      ["GLOBAL", "copy_reg", "_reconstructor"],
      ["MARK"],
      ["GLOBAL", "m", "D"],
      ["GLOBAL", "m", "Base"],
      ["NONE"],
      ["TUPLE"],
      ["REDUCE"],
      ["TUPLE2"],
      ["STOP"],
    ]);
    expect(r.globals.get("m.C")).toMatchObject({ news: 1, calls: 0 });
    expect(r.globals.get("m.D")).toMatchObject({ news: 1, calls: 0 });
    expect(r.globals.get("m.Base")).toMatchObject({ calls: 1 });
    expect(r.globals.get("builtins.object")?.calls).toBe(0);
  });

  it("records calls of things that are not imported functions as dynamic", () => {
    const r = run([
      ["PROTO", 2],
      ["GLOBAL", "m", "f"],
      ["EMPTY_TUPLE"],
      ["REDUCE"],
      ["EMPTY_TUPLE"],
      ["REDUCE"],
      ["STOP"],
    ]);
    expect(r.dynamicCalls).toHaveLength(1);
    expect(r.dynamicCalls[0]?.callee).toBe("m.f()");
  });

  it("records BUILD and SETITEM on an imported object as a mutation", () => {
    const r = run([
      ["PROTO", 2],
      ["GLOBAL", "numpy", "prod"],
      ["NONE"],
      ["EMPTY_DICT"],
      ["TUPLE2"],
      ["BUILD"],
      ["BINUNICODE", "k"],
      ["NONE"],
      ["SETITEM"],
      ["STOP"],
    ]);
    expect(r.globals.get("numpy.prod")?.mutations).toBe(2);
  });

  it("does not count BUILD on an instance as a mutation", () => {
    const r = run([
      ["PROTO", 2],
      ["GLOBAL", "collections", "OrderedDict"],
      ["EMPTY_TUPLE"],
      ["REDUCE"],
      ["EMPTY_DICT"],
      ["BUILD"],
      ["STOP"],
    ]);
    expect(r.globals.get("collections.OrderedDict")?.mutations).toBe(0);
  });

  it("captures byte payloads passed to deserialisers, through _codecs.encode too", () => {
    const inner = assemble([["PROTO", 2], ["GLOBAL", "os", "system"], ["STOP"]]);
    const r = run([
      ["PROTO", 2],
      ["GLOBAL", "pickle", "loads"],
      ["SHORT_BINBYTES", inner],
      ["TUPLE1"],
      ["REDUCE"],
      ["GLOBAL", "pickle", "loads"],
      ["GLOBAL", "_codecs", "encode"],
      ["BINUNICODE", String.fromCharCode(...inner)],
      ["BINUNICODE", "latin1"],
      ["TUPLE2"],
      ["REDUCE"],
      ["TUPLE1"],
      ["REDUCE"],
      ["TUPLE2"],
      ["STOP"],
    ]);
    const payloads = r.globals.get("pickle.loads")?.payloads ?? [];
    expect(payloads).toHaveLength(2);
    expect(payloads[0]?.data).toEqual(inner);
    expect(payloads[1]?.transform).toBe("latin1");
  });
});

describe("persistent ids", () => {
  it("records PERSID and BINPERSID and resolves torch's ('module', cls) ids to the class", () => {
    const r = run([
      ["PROTO", 2],
      ["PERSID", "text-id"],
      ["POP"],
      ["MARK"],
      ["BINUNICODE", "module"],
      ["GLOBAL", "__main__", "Net"],
      ["NONE"],
      ["NONE"],
      ["TUPLE"],
      ["BINPERSID"],
      ["EMPTY_TUPLE"],
      ["NEWOBJ"],
      ["STOP"],
    ]);
    expect(r.persistentIds).toHaveLength(2);
    expect(r.persistentIds[0]?.pid).toBe("text-id");
    expect(r.globals.get("__main__.Net")).toMatchObject({ news: 1, calls: 0 });
    expect(r.dynamicCalls).toHaveLength(0);
  });
});

describe("protocol and framing", () => {
  it("validates FRAME lengths", () => {
    const body = assemble([["NONE"], ["STOP"]]);
    const good = concat(
      assemble([
        ["PROTO", 4],
        ["FRAME", body.length],
      ]),
      body,
    );
    expect(runPickle(good)).toMatchObject({ complete: true, anomalies: [] });
    const tooLong = concat(
      assemble([
        ["PROTO", 4],
        ["FRAME", 1000],
      ]),
      body,
    );
    expect(runPickle(tooLong).error).toMatchObject({ kind: "truncated", opcode: "FRAME" });
  });

  it("flags opcodes that straddle a frame end, and frames inside frames", () => {
    const straddle = concat(
      assemble([
        ["PROTO", 4],
        ["FRAME", 2],
      ]),
      assemble([["SHORT_BINUNICODE", "abc"], ["STOP"]]),
    );
    expect(runPickle(straddle).anomalies[0]?.detail).toMatch(/straddles/);
    const nested = concat(
      assemble([["PROTO", 4], ["FRAME", 12], ["NONE"], ["FRAME", 2]]),
      assemble([["POP"], ["NONE"], ["STOP"]]),
    );
    expect(
      runPickle(nested)
        .anomalies.map((a) => a.detail)
        .join(),
    ).toMatch(/before the current frame ends/);
  });

  it("refuses protocols above 5 and flags PROTO in the wrong place", () => {
    expect(run([["PROTO", 6], ["NONE"], ["STOP"]]).error?.kind).toBe("protocol");
    const late = run([["NONE"], ["PROTO", 2], ["STOP"]]);
    expect(late.complete).toBe(true);
    expect(late.anomalies[0]?.detail).toMatch(/not the first opcode/);
    const newer = run([["PROTO", 2], ["SHORT_BINUNICODE", "a"], ["STOP"]]);
    expect(newer.anomalies[0]?.detail).toMatch(/protocol 4/);
  });

  it("reads protocol 5 buffers", () => {
    const r = run([["PROTO", 5], ["NEXT_BUFFER"], ["READONLY_BUFFER"], ["STOP"]]);
    expect(r.complete).toBe(true);
    expect(r.value).toEqual({ kind: "buffer" });
    expect(r.anomalies[0]?.detail).toMatch(/out-of-band/);
  });

  it("reports an invalid opcode and a missing STOP with their offsets", () => {
    const bad = concat(assemble([["PROTO", 2], ["NONE"]]), new Uint8Array([0xff]));
    expect(runPickle(bad).error).toMatchObject({ kind: "invalid-opcode", offset: 3 });
    const noStop = assemble([["PROTO", 2], ["NONE"]]);
    expect(runPickle(noStop)).toMatchObject({
      complete: false,
      end: 3,
      error: { kind: "truncated" },
    });
  });

  it("starts at an offset and stops at STOP, leaving what follows", () => {
    const two = concat(assemble([["NONE"], ["STOP"]]), assemble([["BININT1", 7], ["STOP"]]));
    const first = runPickle(two);
    expect(first).toMatchObject({ complete: true, end: 2, value: null });
    expect(runPickle(two, first.end)).toMatchObject({ complete: true, end: 5, value: 7 });
  });

  it("bounds the stack and the number of opcodes", () => {
    const program: Instruction[] = [];
    for (let i = 0; i < 600; i++) program.push(["NONE"]);
    program.push(["STOP"]);
    expect(run(program, { maxStack: 100 }).error?.kind).toBe("limit");
    expect(run(program, { maxOps: 10 }).error).toMatchObject({ kind: "limit", offset: 10 });
  });
});
