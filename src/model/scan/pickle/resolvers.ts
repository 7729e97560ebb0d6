import { SKLEARN_NEW_OBJ } from "../policy/safeGlobals.js";
/**
 * What well-known callables do with their arguments, so the VM can follow a call chain the
 * way the loader would run it: `getattr(builtins, "eval")` returns builtins.eval,
 * `importlib.import_module("os")` returns the os module, `copyreg._reconstructor(cls, ...)`
 * instantiates `cls`, `functools.partial(f)` calls `f` when it is called. Behaviour from the
 * CPython 3.11 library (Lib/copyreg.py, Lib/functools.py, Lib/operator.py, Lib/pkgutil.py,
 * Lib/pydoc.py) and PyTorch 1.13–2.x (torch/_tensor.py, torch/_utils.py); names in both their
 * public and C-accelerated modules (`_operator`, `_functools`), and the Python 2 `__builtin__`.
 *
 * This is knowledge about what a callable does, not policy: whether calling it is allowed is
 * the policy's decision (policy/).
 */

export type Semantics =
  /** getattr(obj, name[, default]) returns obj.name. */
  | { readonly kind: "getattr" }
  /** import_module(name) / __import__(name) return a module. */
  | { readonly kind: "import"; readonly topLevel: boolean }
  /** resolve_name("pkg.mod:attr") / locate("pkg.mod.attr") return any importable object. */
  | { readonly kind: "resolve-name" }
  | { readonly kind: "attrgetter" }
  | { readonly kind: "methodcaller" }
  | { readonly kind: "partial" }
  /**
   * Calls (`call`) or instantiates without running its constructor (`new`) the argument at
   * index `arg`; `argc` says how many arguments that inner call gets (`rest` = the remaining
   * arguments of this call, a number = fixed, `tuple` = the size of the tuple at `arg + 1`).
   */
  | {
      readonly kind: "forward";
      readonly arg: number;
      readonly how: "call" | "new";
      readonly argc: "rest" | "tuple" | "tuple-at-2" | number;
    }
  /** copyreg._reconstructor(cls, base, state): base.__new__(cls, state) then base.__init__. */
  | { readonly kind: "reconstructor" };

const table = new Map<string, Semantics>();
function define(names: readonly string[], semantics: Semantics): void {
  for (const name of names) table.set(name, semantics);
}

const BUILTINS = ["builtins", "__builtin__", "__builtins__"];
const each = (modules: readonly string[], name: string) => modules.map((m) => `${m}.${name}`);

define(each(BUILTINS, "getattr"), { kind: "getattr" });
define(["importlib.import_module", "importlib.__import__", "importlib._bootstrap._gcd_import"], {
  kind: "import",
  topLevel: false,
});
define(each(BUILTINS, "__import__"), { kind: "import", topLevel: true });
define(["pkgutil.resolve_name", "pydoc.locate", "pydoc._builtin_resolve"], {
  kind: "resolve-name",
});
define(["operator.attrgetter", "_operator.attrgetter"], { kind: "attrgetter" });
define(["operator.methodcaller", "_operator.methodcaller"], { kind: "methodcaller" });
define(["functools.partial", "_functools.partial", "functools.partialmethod"], { kind: "partial" });
define(["copyreg._reconstructor", "copy_reg._reconstructor"], { kind: "reconstructor" });
define(["copyreg.__newobj__", "copy_reg.__newobj__"], {
  kind: "forward",
  arg: 0,
  how: "new",
  argc: "rest",
});
define(["copyreg.__newobj_ex__"], { kind: "forward", arg: 0, how: "new", argc: "tuple" });
// _rebuild_from_type_v2(func, new_type, args, state) runs func(*args).
define(["torch._tensor._rebuild_from_type_v2", "torch._tensor._rebuild_from_type"], {
  kind: "forward",
  arg: 0,
  how: "call",
  argc: "tuple-at-2",
});
define(["torch._utils._rebuild_wrapper_subclass"], {
  kind: "forward",
  arg: 0,
  how: "new",
  argc: 0,
});
// scikit-learn's Cython trees and distance metrics pickle as newObj(cls) = cls.__new__(cls).
define(SKLEARN_NEW_OBJ, { kind: "forward", arg: 0, how: "new", argc: 0 });
// numpy's RandomState/Generator pickles: __randomstate_ctor(name, ctor) runs ctor(name).
define(["numpy.random._pickle.__randomstate_ctor", "numpy.random._pickle.__generator_ctor"], {
  kind: "forward",
  arg: 1,
  how: "call",
  argc: 1,
});
// Callables that call their first argument (lazily for map/filter: once iterated).
define([
  ...each(BUILTINS, "map"),
  ...each(BUILTINS, "filter"),
  ...each(BUILTINS, "apply"),
  "itertools.starmap",
  "itertools.imap",
  "functools.reduce",
  "_functools.reduce",
  "operator.call",
  "_operator.call",
], { kind: "forward", arg: 0, how: "call", argc: "rest" });

export function semanticsOf(path: string): Semantics | undefined {
  return table.get(path);
}

/**
 * Callables that deserialise one of their arguments: a pickle (or marshal code, a torch or
 * numpy or joblib file) handed to them as a constant is a second payload the first one runs.
 */
export type PayloadKind = "pickle" | "marshal" | "torch" | "numpy" | "joblib" | "yaml";

const deserializers = new Map<string, PayloadKind>();
for (const module of ["pickle", "_pickle", "cPickle", "dill", "dill._dill", "cloudpickle"]) {
  for (const name of ["loads", "load", "Unpickler", "_loads", "_load"]) {
    deserializers.set(`${module}.${name}`, "pickle");
  }
}
for (const path of [
  "cloudpickle.cloudpickle.loads",
  "pandas.read_pickle",
  "pandas.io.pickle.read_pickle",
  "srsly.pickle_loads",
  "srsly.cloudpickle.loads",
  "shelve.open",
]) {
  deserializers.set(path, "pickle");
}
deserializers.set("marshal.loads", "marshal");
deserializers.set("marshal.load", "marshal");
for (const path of [
  "torch.load",
  "torch.serialization.load",
  "torch.serialization._load",
  "torch.serialization._legacy_load",
  "torch.storage._load_from_bytes",
  "torch.jit.load",
]) {
  deserializers.set(path, "torch");
}
for (const path of ["numpy.load", "numpy.lib.npyio.load", "numpy.lib._npyio_impl.load"]) {
  deserializers.set(path, "numpy");
}
for (const path of ["joblib.load", "joblib.numpy_pickle.load", "sklearn.externals.joblib.load"]) {
  deserializers.set(path, "joblib");
}
for (const path of ["yaml.load", "yaml.unsafe_load", "yaml.full_load", "yaml.load_all"]) {
  deserializers.set(path, "yaml");
}

export function deserializerKind(path: string): PayloadKind | undefined {
  return deserializers.get(path);
}

/**
 * Callables that turn a constant into the bytes a deserialiser reads: `io.BytesIO(b)`,
 * `_codecs.encode(s, "latin1")` (how numpy and Python 2 pickles carry bytes), base64.
 */
export type ByteTransform = "identity" | "latin1" | "base64";

const transforms = new Map<string, ByteTransform>([
  ["io.BytesIO", "identity"],
  ["_io.BytesIO", "identity"],
  ["builtins.bytes", "identity"],
  ["builtins.bytearray", "identity"],
  ["builtins.memoryview", "identity"],
  ["_codecs.encode", "latin1"],
  ["codecs.encode", "latin1"],
  ["base64.b64decode", "base64"],
  ["base64.standard_b64decode", "base64"],
  ["base64.decodebytes", "base64"],
  ["binascii.a2b_base64", "base64"],
]);

export function byteTransform(path: string): ByteTransform | undefined {
  return transforms.get(path);
}
