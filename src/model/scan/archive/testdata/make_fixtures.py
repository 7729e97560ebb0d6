#!/usr/bin/python3
"""Writes the real-library fixtures the archive and format scanner tests read.

Run with Debian's Python, which has torch 1.13, scikit-learn 1.2, numpy 1.24 and joblib 1.2:

    /usr/bin/python3 src/model/scan/archive/testdata/make_fixtures.py

Every file is benign and small (< 100 KB). The legacy tar checkpoint is assembled here because
torch 1.13 can no longer write that format; it is checked by loading it back with torch.load.
"""

import io
import os
import pickle
import struct
import sys
import tarfile

import joblib
import numpy as np
import torch
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

OUT = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(OUT, name)


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, x):
        return torch.relu(self.fc(x))


def torch_fixtures():
    torch.manual_seed(0)
    model = Tiny()
    torch.save(model.state_dict(), path("torch_state_dict.pt"))
    torch.save(torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU()), path("torch_module.pt"))
    torch.jit.save(torch.jit.script(model), path("torchscript.pt"))
    legacy_tar(path("torch_legacy.tar"))
    loaded = torch.load(path("torch_legacy.tar"))
    assert loaded["epoch"] == 3 and loaded["weight"].tolist() == [1.0, 2.0, 3.0, 4.0], loaded


class _TensorRef:
    """Stands for the one tensor in the legacy checkpoint; pickled as persistent id "1"."""


class _LegacyPickler(pickle.Pickler):
    def persistent_id(self, obj):
        return "1" if isinstance(obj, _TensorRef) else None


def legacy_tar(target):
    """The pre-0.4 tar layout torch.serialization.legacy_load still reads: one float storage (key 0)
    viewed by one tensor (key 1), referenced from the `pickle` member by persistent id."""
    sys_info = dict(
        protocol_version=1001,
        little_endian=sys.byteorder == "little",
        type_sizes=dict(short=2, int=4, long=8),
    )
    values = [1.0, 2.0, 3.0, 4.0]
    storages = io.BytesIO()
    pickle.dump(1, storages, protocol=2)
    pickle.dump((0, "cpu", torch.FloatStorage), storages, protocol=2)
    storages.write(struct.pack("<q", len(values)) + struct.pack(f"<{len(values)}f", *values))
    pickle.dump([], storages, protocol=2)
    tensors = io.BytesIO()
    pickle.dump(1, tensors, protocol=2)
    pickle.dump((1, 0, torch.FloatTensor), tensors, protocol=2)
    tensors.write(struct.pack("<i", 1) + b"\0" * 4)
    tensors.write(struct.pack("<q", 4) + struct.pack("<q", 1) + struct.pack("<q", 0))
    main_pickle = io.BytesIO()
    _LegacyPickler(main_pickle, protocol=2).dump({"epoch": 3, "weight": _TensorRef()})
    members = [
        ("sys_info", pickle.dumps(sys_info, protocol=2)),
        ("pickle", main_pickle.getvalue()),
        ("tensors", tensors.getvalue()),
        ("storages", storages.getvalue()),
    ]
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))


def joblib_fixtures():
    iris = load_iris()
    model = LogisticRegression(max_iter=500).fit(iris.data, iris.target)
    joblib.dump(model, path("logreg.joblib"))
    for method, ext in (("zlib", "z"), ("gzip", "gz"), ("bz2", "bz2"), ("xz", "xz"), ("lz4", "lz4")):
        try:
            joblib.dump(model, path(f"logreg.joblib.{ext}"), compress=(method, 3))
        except ValueError as error:  # lz4 without python3-lz4
            print(f"skipped joblib {method}: {error}")
    # A dict of arrays, one of them an object array, exercises the nested-pickle path.
    joblib.dump(
        {"w": np.arange(6, dtype="<f4").reshape(2, 3), "labels": np.array(["a", 1], dtype=object)},
        path("arrays.joblib"),
    )


def numpy_fixtures():
    np.save(path("float.npy"), np.arange(12, dtype="<f8").reshape(3, 4))
    np.save(path("object.npy"), np.array([{"a": 1}, "text", 3], dtype=object), allow_pickle=True)
    np.save(path("structured.npy"), np.zeros(3, dtype=[("x", "<i4"), ("y", "<f8", (2,))]))
    np.savez(path("arrays.npz"), a=np.ones(5, dtype="<i8"), b=np.eye(3, dtype="<f4"))
    np.savez_compressed(path("arrays_compressed.npz"), a=np.zeros(4000, dtype="<f8"), b=np.arange(10))


def main():
    torch_fixtures()
    joblib_fixtures()
    numpy_fixtures()
    for name in sorted(os.listdir(OUT)):
        full = path(name)
        if name.endswith((".py", ".ts")) or os.path.isdir(full):
            continue
        size = os.path.getsize(full)
        assert size < 100_000, (name, size)
        print(f"{size:>7}  {name}")


if __name__ == "__main__":
    main()
