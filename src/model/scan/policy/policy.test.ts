import { describe, expect, it } from "vitest";
import { isRampartError } from "../../../core/index.js";
import {
  classifyGlobal,
  DANGEROUS_GLOBALS,
  defaultPolicy,
  mergePolicy,
  SAFE_GLOBALS,
  type ScanPolicy,
  validatePattern,
} from "./index.js";

const policy = defaultPolicy();
const verdict = (path: string, p: ScanPolicy = policy) => {
  const dot = path.lastIndexOf(".");
  return classifyGlobal(p, path.slice(0, dot), path.slice(dot + 1)).verdict;
};
const verdictOf = (module: string, name: string, p: ScanPolicy = policy) =>
  classifyGlobal(p, module, name);

describe("the built-in lists", () => {
  it("are data with a reason per rule and valid patterns", () => {
    for (const rule of [...SAFE_GLOBALS, ...DANGEROUS_GLOBALS]) {
      expect(validatePattern(rule.pattern), rule.pattern).toBeUndefined();
      expect(rule.reason.length, rule.pattern).toBeGreaterThan(20);
    }
  });

  it("cover picklescan's and modelscan's unsafe globals", () => {
    for (const path of [
      "builtins.eval",
      "builtins.exec",
      "builtins.compile",
      "builtins.open",
      "builtins.getattr",
      "builtins.__import__",
      "builtins.breakpoint",
      "__builtin__.apply",
      "os.system",
      "nt.system",
      "posix.system",
      "subprocess.Popen",
      "socket.socket",
      "sys.modules",
      "runpy._run_code",
      "shutil.rmtree",
      "webbrowser.open",
      "requests.api.get",
      "aiohttp.client.ClientSession",
      "httplib.HTTPSConnection",
      "ssl.get_server_certificate",
      "pty.spawn",
      "pickle.loads",
      "_pickle.loads",
      "operator.attrgetter",
      "_operator.methodcaller",
      "cProfile.run",
      "profile.Profile.run",
      "timeit.timeit",
      "pdb.run",
      "bdb.Bdb.run",
      "doctest.debug_script",
      "ensurepip._run_pip",
      "venv.create",
      "pip.main",
      "pydoc.pipepager",
      "pydoc.locate",
      "pkgutil.resolve_name",
      "importlib.import_module",
      "code.InteractiveInterpreter.runsource",
      "idlelib.pyshell.ModifiedInterpreter.runcode",
      "lib2to3.pgen2.pgen.ParserGenerator.make_label",
      "numpy.f2py.crackfortran.getlincoef",
      "numpy.testing._private.utils.runstring",
      "numpy.load",
      "numpy.ctypeslib.load_library",
      "torch.load",
      "torch.hub.load",
      "torch.jit.load",
      "torch.storage._load_from_bytes",
      "torch.utils.collect_env.run",
      "torch.utils.bottleneck.__main__.run_cprofile",
      "torch._inductor.codecache.compile_file",
      "torch.fx.experimental.symbolic_shapes.ShapeEnv.evaluate_guards_expression",
      "torch.utils._config_module.ConfigModule.load_config",
      "joblib.load",
      "pandas.read_pickle",
      "marshal.loads",
      "dill.loads",
      "cloudpickle.cloudpickle._make_function",
      "types.CodeType",
      "types.FunctionType",
      "ctypes.CDLL",
      "asyncio.unix_events._UnixSubprocessTransport",
      "_osx_support._read_output",
      "_aix_support._read_cmd_output",
      "_pyrepl.pager.pipe_pager",
      "uuid._get_command_stdout",
      "imaplib.IMAP4_stream",
      "logging.FileHandler",
      "_io.FileIO",
      "distutils.file_util.write_file",
      "urllib.request.urlopen",
      "tempfile.mkstemp",
      "platform.popen",
      "multiprocessing.Process",
      "setuptools.setup",
      "keras.layers.Lambda",
      "torch.fx.graph_module.reduce_graph_module",
      "sklearn.datasets.fetch_openml",
      "sklearn.externals.joblib.load",
      "site.main",
    ]) {
      expect(verdict(path), path).toBe("dangerous");
    }
  });

  it("allow PyTorch, numpy, scikit-learn, XGBoost and data builtins", () => {
    for (const path of [
      "torch._utils._rebuild_tensor_v2",
      "torch._utils._rebuild_parameter",
      "torch._tensor._rebuild_from_type_v2",
      "torch.FloatStorage",
      "torch.BFloat16Storage",
      "torch.QUInt4x2Storage",
      "torch.cuda.HalfStorage",
      "torch.serialization._get_layout",
      "torch.device",
      "torch.Size",
      "torch.float32",
      "torch.bfloat16",
      "torch.nn.modules.linear.Linear",
      "torch.nn.modules.container.Sequential",
      "torch.nn.parameter.Parameter",
      "collections.OrderedDict",
      "numpy.core.multiarray._reconstruct",
      "numpy._core.multiarray._reconstruct",
      "numpy.core.multiarray.scalar",
      "numpy._core.multiarray.scalar",
      "numpy.ndarray",
      "numpy.dtype",
      "numpy.dtypes.Float64DType",
      "sklearn.linear_model._logistic.LogisticRegression",
      "sklearn.ensemble._forest.RandomForestClassifier",
      "sklearn.tree._tree.Tree",
      "sklearn.preprocessing._label.LabelEncoder",
      "xgboost.core.Booster",
      "xgboost.sklearn.XGBClassifier",
      "builtins.set",
      "builtins.frozenset",
      "builtins.slice",
      "builtins.complex",
      "builtins.bytearray",
      "builtins.range",
      "__builtin__.set",
      "copyreg._reconstructor",
      "_codecs.encode",
      "functools.partial",
    ]) {
      expect(verdict(path), path).toBe("safe");
    }
  });

  it("do not allow scikit-learn helpers, private names or dotted chains under a wildcard", () => {
    expect(verdict("sklearn.utils.validation.check_array")).toBe("unknown");
    expect(verdict("sklearn.utils._testing.TempMemmap")).toBe("dangerous");
    expect(verdict("torch.nn.modules.module._addindent")).toBe("unknown");
    expect(verdictOf("numpy.dtypes", "_private").verdict).toBe("unknown");
    expect(verdictOf("torch.nn.modules.linear", "Linear.forward").verdict).toBe("unknown");
    expect(verdictOf("collections", "_sys.modules").verdict).toBe("unknown");
  });
});

describe("matching", () => {
  it("matches a wildcard on the module, its submodules and attribute chains", () => {
    expect(verdictOf("os", "").verdict).toBe("dangerous");
    expect(verdict("os.path.join")).toBe("dangerous");
    expect(verdictOf("subprocess", "Popen.communicate").verdict).toBe("dangerous");
    expect(verdict("ossify.thing")).toBe("unknown");
  });

  it("follows attribute chains in dotted names into other modules", () => {
    expect(verdictOf("sysconfig", "os.system")).toMatchObject({
      verdict: "dangerous",
      matched: "os.system",
    });
    expect(verdictOf("site", "os.system").verdict).toBe("dangerous");
    expect(verdictOf("sysconfig", "prefix.os.system").verdict).toBe("dangerous");
    expect(verdictOf("torch", "load.__call__").verdict).toBe("dangerous");
    expect(verdictOf("mypkg", "helpers.subprocess.run").verdict).toBe("dangerous");
  });

  it("treats chains through interpreter internals as dangerous", () => {
    expect(verdictOf("torch._utils", "_rebuild_tensor_v2.__globals__")).toMatchObject({
      verdict: "dangerous",
      matched: "__globals__",
    });
    expect(verdictOf("collections", "OrderedDict.__init__.__globals__").verdict).toBe("dangerous");
    expect(verdictOf("builtins", "object.__subclasses__").verdict).toBe("dangerous");
  });

  it("leaves everything else unknown", () => {
    expect(verdict("__main__.TinyNet")).toBe("unknown");
    expect(verdict("mypkg.models.Net")).toBe("unknown");
  });
});

describe("mergePolicy (rampart.yaml)", () => {
  it("adds allowed and denied globals", () => {
    const merged = mergePolicy(policy, {
      allow: ["mypkg.models.*", "__main__.TinyNet"],
      deny: ["numpy.ndarray"],
    });
    expect(verdict("mypkg.models.Net", merged)).toBe("safe");
    expect(verdict("__main__.TinyNet", merged)).toBe("safe");
    expect(verdict("numpy.ndarray", merged)).toBe("dangerous");
    expect(classifyGlobal(merged, "numpy", "ndarray")).toMatchObject({
      rule: { source: "config", reason: expect.stringMatching(/deny_globals/) },
    });
  });

  it("lets deny beat allow", () => {
    const merged = mergePolicy(policy, {
      allow: ["mypkg.*", "mypkg.x"],
      deny: ["mypkg.x", "mypkg.evil"],
    });
    expect(verdict("mypkg.x", merged)).toBe("dangerous");
    expect(verdict("mypkg.evil", merged)).toBe("dangerous");
    expect(verdict("mypkg.fine", merged)).toBe("safe");
  });

  it("lets an exact allow quiet a reviewed built-in denial, but not a wildcard's other names", () => {
    const merged = mergePolicy(policy, {
      allow: ["torch.storage._load_from_bytes", "pkg_resources.parse_version"],
    });
    expect(verdict("torch.storage._load_from_bytes", merged)).toBe("safe");
    expect(verdict("pkg_resources.parse_version", merged)).toBe("safe");
    expect(verdict("pkg_resources.EntryPoint", merged)).toBe("dangerous");
    expect(verdictOf("torch.storage", "_load_from_bytes.__globals__", merged).verdict).toBe(
      "dangerous",
    );
  });

  it("does not change the base policy", () => {
    mergePolicy(policy, { allow: ["os.system"] });
    expect(verdict("os.system")).toBe("dangerous");
  });

  it("says what is wrong with each bad pattern", () => {
    const bad = ["os", "os.*.system", "my-pkg.x", "a..b", " os.system", "os.sys*", ""];
    let caught: unknown;
    try {
      mergePolicy(policy, { allow: bad.slice(0, 4), deny: bad.slice(4) });
    } catch (error) {
      caught = error;
    }
    expect(isRampartError(caught)).toBe(true);
    const message = (caught as Error).message;
    expect(message).toMatch(/scan\.allow_globals\[0\] "os" names no module/);
    expect(message).toMatch(/allow_globals\[1\] "os\.\*\.system" has `\*` before the end/);
    expect(message).toMatch(
      /allow_globals\[2\] "my-pkg\.x" has `my-pkg`, which is not a Python identifier/,
    );
    expect(message).toMatch(/allow_globals\[3\] "a\.\.b" has an empty component/);
    expect(message).toMatch(/deny_globals\[0\] " os\.system" has leading or trailing whitespace/);
    expect(message).toMatch(/deny_globals\[1\] "os\.sys\*" has `sys\*`/);
    expect(message).toMatch(/deny_globals\[2\] "" is empty/);
    expect((caught as { code: string }).code).toBe("E_CONFIG");
  });
});

describe("built-in precedence", () => {
  it("a curated exact allow entry beats a wildcard deny over its module, and nothing else", () => {
    const policy = defaultPolicy();
    expect(classifyGlobal(policy, "torch.jit._pickle", "build_intlist").verdict).toBe("safe");
    expect(classifyGlobal(policy, "torch.jit._pickle", "build_tensor_from_id").verdict).toBe(
      "safe",
    );
    expect(classifyGlobal(policy, "torch.jit", "load").verdict).toBe("dangerous");
    expect(classifyGlobal(policy, "torch.jit._pickle", "something_else").verdict).toBe("dangerous");
    expect(classifyGlobal(policy, "torch.jit._pickle", "build_intlist.__globals__").verdict).toBe(
      "dangerous",
    );
  });
});
