#!/usr/bin/python3
"""Writes the real-library fixtures for the format scanner tests, beside this script.

Run with Debian's Python (onnx 1.12, h5py 3.7, numpy): /usr/bin/python3 make_fixtures.py
Every file stays well under 100 KB. Byte-for-byte output varies between library versions;
the tests assert what the scanners find, not hashes, so regenerating is safe.
"""

import base64
import json
import marshal
import os
import struct

import h5py
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


# ---------------------------------------------------------------- ONNX


def tiny_mlp():
    rng = np.random.default_rng(0)
    w1 = numpy_helper.from_array(rng.standard_normal((4, 8)).astype(np.float32), "w1")
    b1 = numpy_helper.from_array(np.zeros(8, dtype=np.float32), "b1")
    w2 = numpy_helper.from_array(rng.standard_normal((8, 2)).astype(np.float32), "w2")
    b2 = numpy_helper.from_array(np.zeros(2, dtype=np.float32), "b2")
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h0"], name="fc1"),
        helper.make_node("Add", ["h0", "b1"], ["h1"], name="fc1_bias"),
        helper.make_node("Relu", ["h1"], ["h2"], name="relu"),
        helper.make_node("MatMul", ["h2", "w2"], ["h3"], name="fc2"),
        helper.make_node("Add", ["h3", "b2"], ["y"], name="fc2_bias"),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
        initializer=[w1, b1, w2, b2],
    )
    model = helper.make_model(
        graph, producer_name="rampart-fixtures", opset_imports=[helper.make_opsetid("", 13)]
    )
    onnx.checker.check_model(model)
    return model


def write_onnx():
    onnx.save_model(tiny_mlp(), path("tiny_mlp.onnx"))

    # The same model with its weights in a sibling file, as onnx writes large models. onnx
    # appends to an existing data file, so start from none.
    if os.path.exists(path("external_data.bin")):
        os.remove(path("external_data.bin"))
    external = tiny_mlp()
    onnx.save_model(
        external,
        path("external_data.onnx"),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="external_data.bin",
        size_threshold=0,
    )

    # Path traversal: initializers whose data "lives" in /etc/passwd and two levels up.
    traversal = tiny_mlp()
    for tensor, location in zip(
        traversal.graph.initializer[:2], ["../../etc/passwd", "/etc/passwd"]
    ):
        tensor.ClearField("raw_data")
        tensor.data_location = TensorProto.EXTERNAL
        for key, value in [("location", location), ("offset", "0"), ("length", str(4 * int(np.prod(tensor.dims))))]:
            entry = tensor.external_data.add()
            entry.key = key
            entry.value = value
    with open(path("traversal.onnx"), "wb") as f:
        f.write(traversal.SerializeToString())


# ---------------------------------------------------------------- Keras HDF5


def dense(name, units, activation, inbound):
    return {
        "class_name": "Dense",
        "config": {
            "name": name,
            "trainable": True,
            "dtype": "float32",
            "units": units,
            "activation": activation,
            "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
            "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None,
            "bias_regularizer": None,
            "activity_regularizer": None,
            "kernel_constraint": None,
            "bias_constraint": None,
        },
        "name": name,
        "inbound_nodes": inbound,
    }


def input_layer(name, width):
    return {
        "class_name": "InputLayer",
        "config": {
            "batch_input_shape": [None, width],
            "dtype": "float32",
            "sparse": False,
            "ragged": False,
            "name": name,
        },
        "name": name,
        "inbound_nodes": [],
    }


def functional(inner_layers):
    """A Keras 2 Functional model wrapping a nested Sequential, as model.get_config() writes."""
    return {
        "class_name": "Functional",
        "config": {
            "name": "model",
            "layers": [
                input_layer("input_1", 4),
                {
                    "class_name": "Sequential",
                    "config": {"name": "inner", "layers": [input_layer("inner_input", 4)] + inner_layers},
                    "name": "inner",
                    "inbound_nodes": [[["input_1", 0, 0, {}]]],
                },
                dense("out", 2, "linear", [[["inner", 1, 0, {}]]]),
            ],
            "input_layers": [["input_1", 0, 0]],
            "output_layers": [["out", 0, 0]],
        },
        "keras_version": "2.12.0",
        "backend": "tensorflow",
    }


TRAINING_CONFIG = {
    "loss": "mse",
    "metrics": ["mae"],
    "weighted_metrics": None,
    "loss_weights": None,
    "optimizer_config": {
        "class_name": "Adam",
        "config": {"name": "Adam", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False},
    },
}


def lambda_bytecode():
    # What Keras 2's func_dump writes for a lambda: base64 of marshal.dumps(code), with newlines.
    payload = lambda x: (__import__("os").system("echo pwned"), x)[1]  # noqa: E731
    return base64.encodebytes(marshal.dumps(payload.__code__)).decode("ascii")


def write_h5(name, config, as_bytes):
    with h5py.File(path(name), "w") as f:
        text = json.dumps(config)
        # Keras 2 stores utf-8 bytes (a fixed-length string); h5py stores str as variable-length.
        f.attrs["model_config"] = text.encode("utf8") if as_bytes else text
        f.attrs["training_config"] = json.dumps(TRAINING_CONFIG).encode("utf8")
        f.attrs["keras_version"] = b"2.12.0"
        f.attrs["backend"] = b"tensorflow"
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = np.array([b"dense", b"out"])
        layer = weights.create_group("out").create_group("out")
        layer.create_dataset("kernel:0", data=np.zeros((8, 2), dtype=np.float32))
        layer.create_dataset("bias:0", data=np.zeros(2, dtype=np.float32))


def write_keras():
    lambda_layer = {
        "class_name": "Lambda",
        "config": {
            "name": "lambda",
            "trainable": True,
            "dtype": "float32",
            "function": [lambda_bytecode(), None, None],
            "function_type": "lambda",
            "module": "__main__",
            "output_shape": None,
            "output_shape_type": "raw",
            "output_shape_module": None,
            "arguments": {},
        },
        "name": "lambda",
        "inbound_nodes": [[["dense", 0, 0, {}]]],
    }
    write_h5(
        "keras_lambda_nested.h5",
        functional([dense("dense", 8, "relu", [[["inner_input", 0, 0, {}]]]), lambda_layer]),
        as_bytes=True,
    )
    write_h5(
        "keras_benign.h5",
        functional([dense("dense", 8, "relu", [[["inner_input", 0, 0, {}]]])]),
        as_bytes=False,
    )
    # A config Keras itself cannot parse.
    with h5py.File(path("keras_bad_config.h5"), "w") as f:
        f.attrs["model_config"] = b'{"class_name": "Functional", "config": {'
    # A 512-byte user block before the superblock, and a Keras 3 config with a TFSMLayer.
    keras3 = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "layers": [
                {
                    "module": "keras.layers",
                    "class_name": "TFSMLayer",
                    "config": {"name": "tfsm", "filepath": "/tmp/other_model", "call_endpoint": "serve"},
                    "registered_name": None,
                }
            ],
        },
        "registered_name": None,
    }
    with h5py.File(path("keras_userblock.h5"), "w", userblock_size=512) as f:
        f.attrs["model_config"] = json.dumps(keras3)
    # Weights only (what model.save_weights writes): no model_config at all.
    with h5py.File(path("keras_weights_only.h5"), "w") as f:
        f.attrs["layer_names"] = np.array([b"dense"])
        f.create_group("dense").create_dataset("kernel:0", data=np.ones((4, 8), dtype=np.float32))


# ---------------------------------------------------------------- safetensors


def write_safetensors():
    tensors = {
        "embed.weight": np.arange(6, dtype=np.float32).reshape(2, 3),
        "position_ids": np.arange(4, dtype=np.int64),
    }
    dtypes = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}
    header = {"__metadata__": {"format": "pt"}}
    data = b""
    for name, array in tensors.items():
        raw = array.tobytes()
        header[name] = {
            "dtype": dtypes[array.dtype],
            "shape": list(array.shape),
            "data_offsets": [len(data), len(data) + len(raw)],
        }
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode("utf8")
    text += b" " * (-len(text) % 8)  # the reference writer pads to 8 bytes
    with open(path("benign.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


# ---------------------------------------------------------------- GGUF


CHAT_TEMPLATE = (
    "{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content'] %}"
    "{%- set loop_messages = messages[1:] %}{%- else %}{%- set loop_messages = messages %}{%- endif %}"
    "{{- bos_token }}{%- set ns = namespace(first=true) %}"
    "{%- for message in loop_messages %}"
    "{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{%- endif %}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"
)


def gguf_string(text):
    raw = text.encode("utf8")
    return struct.pack("<Q", len(raw)) + raw


def write_gguf():
    kvs = [
        ("general.architecture", 8, gguf_string("llama")),
        ("general.name", 8, gguf_string("rampart-tiny")),
        ("general.alignment", 4, struct.pack("<I", 32)),
        ("llama.context_length", 4, struct.pack("<I", 128)),
        ("tokenizer.ggml.model", 8, gguf_string("gpt2")),
        (
            "tokenizer.ggml.tokens",
            9,
            struct.pack("<IQ", 8, 4) + b"".join(gguf_string(t) for t in ["<s>", "</s>", "a", "b"]),
        ),
        ("tokenizer.ggml.scores", 9, struct.pack("<IQ", 6, 4) + struct.pack("<4f", 0, 0, -1, -2)),
        ("tokenizer.chat_template", 8, gguf_string(CHAT_TEMPLATE)),
    ]
    # (name, dims, ggml type, bytes): F32 [8, 4] and Q8_0 [32, 2] (34 bytes per 32 values).
    tensors = [("token_embd.weight", [8, 4], 0, 8 * 4 * 4), ("output.weight", [32, 2], 8, 34 * 2)]
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    for key, vtype, value in kvs:
        out += gguf_string(key) + struct.pack("<I", vtype) + value
    offset = 0
    for name, dims, gtype, nbytes in tensors:
        out += gguf_string(name) + struct.pack("<I", len(dims))
        out += b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", gtype, offset)
        offset += nbytes + (-nbytes % 32)
    out += b"\0" * (-len(out) % 32)
    for _, _, _, nbytes in tensors:
        out += bytes(range(256)) * (nbytes // 256) + bytes(nbytes % 256)
        out += b"\0" * (-nbytes % 32)
    with open(path("benign.gguf"), "wb") as f:
        f.write(out)


if __name__ == "__main__":
    write_onnx()
    write_keras()
    write_safetensors()
    write_gguf()
    for name in sorted(os.listdir(HERE)):
        if not name.endswith((".py", ".ts")):
            print(f"{os.path.getsize(path(name)):>8}  {name}")
