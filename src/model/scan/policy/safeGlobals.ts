import type { GlobalRule } from "./types.js";

/**
 * Globals that rebuild data and nothing else, so a pickle may import and call them quietly:
 * what PyTorch (torch.save, both formats), numpy, scikit-learn, XGBoost and the standard
 * library's data types put in ordinary model files. Starting points: picklescan's
 * `_safe_globals`, fickling's ML_ALLOWLIST and PyTorch's own `weights_only` allowlist
 * (torch/_weights_only_unpickler.py); every entry was checked to construct data only.
 *
 * `module.*` here means: any non-private, non-dotted name of that module or its submodules.
 * `kind: "class"` narrows it to names that start with a capital letter (a class by PEP 8):
 * scikit-learn's estimator classes are safe to instantiate, its helper functions are not.
 * The denylist is checked first, so `sklearn.datasets.*` stays dangerous under `sklearn.*`.
 */

const TENSORS =
  "Rebuilds a PyTorch tensor, parameter or storage from data in the checkpoint; runs no code from the file.";
const TORCH_TYPES = "A PyTorch type or constant (dtype, device, size, layout, memory format).";
const TORCH_MODULES =
  "A torch.nn layer class: a saved full module instantiates it without running its constructor, then restores its fields.";
const NUMPY = "Rebuilds a numpy array, dtype or scalar from the bytes in the file.";
const NUMPY_RANDOM =
  "Recreates a numpy random generator by bit-generator name (looked up in a fixed table).";
const SKLEARN =
  "A scikit-learn estimator or data class: unpickling it restores fitted attributes, nothing is executed.";
const XGBOOST = "An XGBoost model class: it restores the booster from its serialized bytes.";
const DATA = "A built-in data type constructor: it builds a value, it cannot run code.";
const COLLECTIONS = "A collections data structure.";
const REBUILD =
  "Pickle's own helper for rebuilding objects; the class or base it is given is checked separately.";
const CODECS =
  "Turns a str into bytes; numpy and Python 2 pickles store raw bytes this way. Any payload it produces is still checked.";
const PARTIAL =
  "A wrapper that calls the function it holds; that function is checked on its own, so a partial of a dangerous function is still critical.";
const STDLIB_DATA = "A standard-library value type (dates, decimals, namespaces).";

function rules(reason: string, patterns: readonly string[], kind?: "class"): GlobalRule[] {
  return patterns.map((pattern) =>
    Object.freeze(kind === undefined ? { pattern, reason } : { pattern, reason, kind }),
  );
}

const STORAGE_TYPES = [
  "BFloat16",
  "Bool",
  "Byte",
  "Char",
  "ComplexDouble",
  "ComplexFloat",
  "Double",
  "Float",
  "Half",
  "Int",
  "Long",
  "QInt32",
  "QInt8",
  "QUInt2x4",
  "QUInt4x2",
  "QUInt8",
  "Short",
  "Untyped",
  "Typed",
].map((t) => `${t}Storage`);

const TORCH_CONSTANTS = [
  // dtypes
  "bfloat16",
  "bool",
  "cdouble",
  "cfloat",
  "chalf",
  "complex128",
  "complex32",
  "complex64",
  "double",
  "float",
  "float16",
  "float32",
  "float64",
  "half",
  "int",
  "int16",
  "int32",
  "int64",
  "int8",
  "long",
  "qint32",
  "qint8",
  "quint2x4",
  "quint4x2",
  "quint8",
  "short",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "float8_e4m3fn",
  "float8_e4m3fnuz",
  "float8_e5m2",
  "float8_e5m2fnuz",
  // layouts and memory formats
  "strided",
  "sparse_coo",
  "sparse_csr",
  "sparse_csc",
  "sparse_bsr",
  "sparse_bsc",
  "_mkldnn",
  "contiguous_format",
  "channels_last",
  "channels_last_3d",
  "preserve_format",
  "legacy_contiguous_format",
  // types
  "device",
  "Size",
  "dtype",
  "layout",
  "memory_format",
  "Tensor",
  "Generator",
];

const BUILTIN_DATA = [
  "set",
  "frozenset",
  "slice",
  "complex",
  "bytearray",
  "bytes",
  "range",
  "list",
  "dict",
  "tuple",
  "int",
  "float",
  "bool",
  "str",
  "object",
  "NotImplemented",
  "Ellipsis",
];

const TORCHSCRIPT =
  "TorchScript's own unpickler helpers (constants.pkl, *.debug_pkl): they rebuild lists and tensors of a scripted module.";

/**
 * scikit-learn's `newObj(cls)` helpers (Cython trees, distance metrics), 0.2x to 1.x: allowed,
 * and the pickle VM forwards a call to them to the class they build.
 */
export const SKLEARN_NEW_OBJ: readonly string[] = [
  "sklearn.neighbors._kd_tree.newObj",
  "sklearn.neighbors._ball_tree.newObj",
  "sklearn.neighbors._binary_tree.newObj",
  "sklearn.neighbors._dist_metrics.newObj",
  "sklearn.neighbors.kd_tree.newObj",
  "sklearn.neighbors.ball_tree.newObj",
  "sklearn.neighbors.dist_metrics.newObj",
  "sklearn.metrics._dist_metrics.newObj",
];

export const SAFE_GLOBALS: readonly GlobalRule[] = Object.freeze([
  ...rules(
    "joblib's placeholder for a numpy array written raw after the pickle: a data wrapper, it runs no code.",
    [
      "joblib.numpy_pickle.NumpyArrayWrapper",
      "joblib.numpy_pickle.NDArrayWrapper",
      "joblib.numpy_pickle.ZNDArrayWrapper",
    ],
    "class",
  ),
  ...rules(TORCHSCRIPT, [
    "torch.jit._pickle.build_intlist",
    "torch.jit._pickle.build_doublelist",
    "torch.jit._pickle.build_boollist",
    "torch.jit._pickle.build_tensorlist",
    "torch.jit._pickle.build_tensor_from_id",
    "torch.jit._pickle.restore_type_tag",
  ]),
  ...rules(TENSORS, [
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_sparse_csr_tensor",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._utils._rebuild_device_tensor_from_cpu_tensor",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_wrapper_subclass",
    "torch._utils._rebuild_nested_tensor",
    "torch._tensor._rebuild_from_type",
    "torch._tensor._rebuild_from_type_v2",
    "torch.nn.parameter.Parameter",
    "torch.nn.parameter.UninitializedParameter",
    "torch.nn.parameter.Buffer",
    "torch.storage.TypedStorage",
    "torch.storage.UntypedStorage",
    "torch.storage._LegacyStorage",
    "torch.serialization._get_layout",
    ...STORAGE_TYPES.map((s) => `torch.${s}`),
    ...STORAGE_TYPES.map((s) => `torch.cuda.${s}`),
  ]),
  ...rules(
    TORCH_TYPES,
    TORCH_CONSTANTS.map((c) => `torch.${c}`),
  ),
  ...rules(TORCH_MODULES, ["torch.nn.modules.*"], "class"),
  ...rules(NUMPY, [
    "numpy.core.multiarray._reconstruct",
    "numpy._core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy._core.multiarray.scalar",
    "numpy.core.numeric._frombuffer",
    "numpy._core.numeric._frombuffer",
    "numpy.ma.core._mareconstruct",
    "numpy.ma.core.MaskedArray",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.matrix",
    "numpy.bool_",
    "numpy.int8",
    "numpy.int16",
    "numpy.int32",
    "numpy.int64",
    "numpy.uint8",
    "numpy.uint16",
    "numpy.uint32",
    "numpy.uint64",
    "numpy.float16",
    "numpy.float32",
    "numpy.float64",
    "numpy.longdouble",
    "numpy.complex64",
    "numpy.complex128",
    "numpy.str_",
    "numpy.bytes_",
    "numpy.void",
    "numpy.object_",
    "numpy.datetime64",
    "numpy.timedelta64",
  ]),
  ...rules(NUMPY, ["numpy.dtypes.*"], "class"),
  ...rules(NUMPY_RANDOM, [
    "numpy.random._pickle.__randomstate_ctor",
    "numpy.random._pickle.__generator_ctor",
    "numpy.random._pickle.__bit_generator_ctor",
    "numpy.random.mtrand.RandomState",
    "numpy.random._generator.Generator",
    "numpy.random._mt19937.MT19937",
    "numpy.random._pcg64.PCG64",
    "numpy.random._pcg64.PCG64DXSM",
    "numpy.random._philox.Philox",
    "numpy.random._sfc64.SFC64",
    "numpy.random.bit_generator.SeedSequence",
  ]),
  ...rules(SKLEARN, ["sklearn.*"], "class"),
  ...rules(SKLEARN, SKLEARN_NEW_OBJ),
  ...rules(XGBOOST, ["xgboost.core.Booster"]),
  ...rules(XGBOOST, ["xgboost.sklearn.*"], "class"),
  ...rules(
    DATA,
    BUILTIN_DATA.flatMap((n) => [`builtins.${n}`, `__builtin__.${n}`]),
  ),
  ...rules(COLLECTIONS, [
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.deque",
    "collections.Counter",
    "collections.ChainMap",
    "collections.UserDict",
    "collections.UserList",
    "collections.UserString",
  ]),
  ...rules(REBUILD, [
    "copyreg._reconstructor",
    "copyreg.__newobj__",
    "copyreg.__newobj_ex__",
    "copy_reg._reconstructor",
  ]),
  ...rules(CODECS, ["_codecs.encode"]),
  ...rules(PARTIAL, ["functools.partial", "_functools.partial"]),
  ...rules(STDLIB_DATA, [
    "datetime.datetime",
    "datetime.date",
    "datetime.time",
    "datetime.timedelta",
    "datetime.timezone",
    "decimal.Decimal",
    "fractions.Fraction",
    "uuid.UUID",
    "argparse.Namespace",
    "types.SimpleNamespace",
    "re._compile",
    "enum.Enum",
  ]),
]);
