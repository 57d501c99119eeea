#!/usr/bin/env python3
"""Converts dlib's face recognition ResNet (dlib_face_recognition_resnet_model_v1.dat) into an ONNX graph.

Written from the serialization format described by dlib's sources (dlib/serialize.h, dlib/cuda/tensor.h,
dlib/dnn/core.h, layers.h, input.h, loss.h) and the network definition of dlib's dnn_face_recognition_ex.cpp;
no dlib code is used. The result:
  input  "chips"       float32 [N,3,150,150], RGB, 0..255 (dlib's input layer mean/scale is in the graph)
  output "descriptors" float32 [N,128] (not normalised, as dlib returns them; compare by Euclidean distance)
with every affine (batch-norm) layer folded into the convolution before it, opset 13.

Usage: dlib_to_onnx.py SOURCE.dat OUT.onnx SOURCE_SHA256
"""
import hashlib
import sys

import numpy as np
import onnx
from onnx import TensorProto, checker, helper, numpy_helper


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def fail(self, what):
        raise ValueError(f"{what} at byte {self.pos}")

    def byte(self):
        if self.pos >= len(self.data):
            self.fail("unexpected end of file")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def take(self, n):
        if self.pos + n > len(self.data):
            self.fail("unexpected end of file")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    # dlib packs integers as a control byte (size in the low nibble, 0x80 = negative) and that many little-endian bytes.
    def integer(self):
        control = self.byte()
        size = control & 0x0F
        if size == 0 or size > 8:
            self.fail(f"bad integer control byte {control:#x}")
        value = int.from_bytes(self.take(size), "little")
        return -value if control & 0x80 else value

    def boolean(self):
        c = self.byte()
        if c not in (ord("0"), ord("1")):
            self.fail(f"bad bool {c!r}")
        return c == ord("1")

    def string(self):
        return self.take(self.integer()).decode("ascii")

    # Floats and doubles: mantissa and exponent as two packed integers (dlib's float_details); older files used ASCII.
    def real(self):
        if self.data[self.pos] & 0x70:
            self.fail("ASCII float format is not supported")
        mantissa = self.integer()
        exponent = self.integer()
        if exponent >= 32000:
            self.fail("inf/nan float")
        return float(mantissa) * (2.0 ** exponent)

    def expect_version(self, what, *allowed):
        v = self.integer()
        if v not in allowed:
            self.fail(f"{what}: version {v}, expected one of {allowed}")
        return v

    def expect_string(self, what, *allowed):
        s = self.string()
        if s not in allowed:
            self.fail(f"{what}: found '{s}', expected one of {allowed}")
        return s

    # A resizable_tensor: version 2, four dims, then raw little-endian IEEE float32s.
    def tensor(self):
        self.expect_version("tensor", 2)
        dims = [self.integer() for _ in range(4)]
        count = dims[0] * dims[1] * dims[2] * dims[3]
        values = np.frombuffer(self.take(4 * count), dtype="<f4").astype(np.float32)
        return dims, values

    def alias(self):
        self.expect_version("alias_tensor", 1)
        return [self.integer() for _ in range(4)]


# The network, outermost layer first, as in dnn_face_recognition_ex.cpp (anet_type).
def block(n, stride):
    return [("affine",), ("con", n, 3, 1), ("relu",), ("affine",), ("con", n, 3, stride)]


def ares(n):
    return [("relu",), ("add_prev", "tag1")] + block(n, 1) + [("tag", "tag1")]


def ares_down(n):
    return ([("relu",), ("add_prev", "tag2"), ("avg_pool", 2, 2), ("skip", "tag1"), ("tag", "tag2")]
            + block(n, 2) + [("tag", "tag1")])


LAYERS = ([("fc", 128), ("avg_pool_everything",)]
          + ares_down(256)
          + ares(256) + ares(256) + ares_down(256)
          + ares(128) + ares(128) + ares_down(128)
          + ares(64) + ares(64) + ares(64) + ares_down(64)
          + ares(32) + ares(32) + ares(32)
          + [("max_pool", 3, 2), ("relu",), ("affine",), ("con", 32, 7, 2)])


def read_details(r, layer):
    """Reads one layer's details; returns its weights (if any)."""
    kind = layer[0]
    if kind == "con":
        version = r.expect_string("con_", "con_4", "con_5", "con_6")
        _, params = r.tensor()
        filters = r.integer()
        nr, nc, sy, sx, py, px = (r.integer() for _ in range(6))
        fshape = r.alias()
        bshape = r.alias()
        for _ in range(4):
            r.real()  # learning-rate and weight-decay multipliers
        use_bias = True
        if version in ("con_5", "con_6"):
            use_bias = r.boolean()
        if version == "con_6" and r.boolean():
            r.fail("con_ with a fused relu is not expected in this model")
        _, n, k, s = layer
        if (filters, nr, nc, sy, sx) != (n, k, k, s, s):
            r.fail(f"con_ {filters}x{nr}x{nc}/{sy} where {n}x{k}x{k}/{s} was expected")
        expected_pad = 0 if s != 1 else k // 2
        if (py, px) != (expected_pad, expected_pad):
            r.fail(f"con_ padding {py},{px}")
        fcount = int(np.prod(fshape))
        w = params[:fcount].reshape(fshape)
        b = params[fcount:fcount + fshape[0]] if use_bias else np.zeros(fshape[0], np.float32)
        if use_bias and params.size != fcount + fshape[0]:
            r.fail("con_ params size")
        return {"w": w, "b": b, "stride": s, "pad": py}
    if kind == "affine":
        version = r.expect_string("affine_", "affine_", "affine_2", "bn_con2")
        if version == "bn_con2":
            _, params = r.tensor()
            gshape = r.alias()
            r.alias()
            _, _means = r.tensor()
            _, _invstds = r.tensor()
            _, running_means = r.tensor()
            _, running_vars = r.tensor()
            r.integer()  # num_updates
            r.integer()  # running_stats_window_size
            for _ in range(4):
                r.real()
            eps = r.real()
            k = int(np.prod(gshape))
            gamma, beta = params[:k], params[k:2 * k]
            # As dlib's affine_(bn_) constructor does it, in float32.
            g = (gamma / np.sqrt(running_vars + np.float32(eps)).astype(np.float32)).astype(np.float32)
            return {"g": g, "b": (beta - g * running_means).astype(np.float32)}
        _, params = r.tensor()
        gshape = r.alias()
        r.alias()
        mode = r.integer()
        if mode != 0:  # CONV_MODE
            r.fail(f"affine_ mode {mode}")
        if version == "affine_2" and r.boolean():
            r.fail("disabled affine_ is not expected")
        k = int(np.prod(gshape))
        return {"g": params[:k].copy(), "b": params[k:2 * k].copy()}
    if kind == "relu":
        version = r.expect_string("relu_", "relu_", "relu_2")
        if version == "relu_2" and r.boolean():
            r.fail("disabled relu_ is not expected")
        return {}
    if kind == "add_prev":
        r.expect_string("add_prev_", "add_prev_")
        return {}
    if kind in ("avg_pool", "max_pool", "avg_pool_everything"):
        name = "max_pool_2" if kind == "max_pool" else "avg_pool_2"
        r.expect_string(kind, name)
        nr, nc, sy, sx, py, px = (r.integer() for _ in range(6))
        if kind == "avg_pool_everything":
            if (nr, nc, sy, sx, py, px) != (0, 0, 1, 1, 0, 0):
                r.fail("avg_pool_everything geometry")
        elif (nr, nc, sy, sx, py, px) != (layer[1], layer[1], layer[2], layer[2], 0, 0):
            r.fail(f"{kind} geometry {nr}x{nc}/{sy} pad {py}")
        return {}
    if kind == "fc":
        r.expect_string("fc_", "fc_2", "fc_3")
        outputs = r.integer()
        inputs = r.integer()
        _, params = r.tensor()
        wshape = r.alias()
        r.alias()
        bias_mode = r.integer()
        for _ in range(4):
            r.real()
        if outputs != layer[1] or bias_mode != 1:  # FC_NO_BIAS
            r.fail(f"fc_ {outputs} outputs, bias mode {bias_mode}")
        return {"w": params[:inputs * outputs].reshape(inputs, outputs).copy()}
    raise AssertionError(kind)


def read_network(r):
    """Reads the whole file; returns the layers outermost first with their weights, and the input means."""
    r.expect_version("add_loss_layer", 1)
    version = r.expect_string("loss_metric_", "loss_metric_", "loss_metric_2")
    if version == "loss_metric_2":
        r.real()
        r.real()
    layers = LAYERS
    # add_layer, add_tag_layer and add_skip_layer write their version, then their subnetwork, then their details: so
    # all versions come first (outermost to innermost), then the input layer, then details innermost to outermost.
    versions = []
    for i, layer in enumerate(layers):
        if layer[0] in ("tag", "skip"):
            r.expect_version(layer[0], 1)
        elif i == len(layers) - 1:
            versions.append(r.expect_version("add_layer over the input", 2, 3))
        else:
            versions.append(r.expect_version("add_layer", 1, 2))
    r.expect_string("input layer", "input_rgb_image_sized")
    means = [r.real(), r.real(), r.real()]
    if (r.integer(), r.integer()) != (150, 150):
        r.fail("input size is not 150x150")
    weights = [None] * len(layers)
    for i in range(len(layers) - 1, -1, -1):
        layer = layers[i]
        if layer[0] in ("tag", "skip"):
            continue
        weights[i] = read_details(r, layer)
        r.boolean()  # this_layer_setup_called
        r.boolean()  # gradient_input_is_stale
        r.boolean()  # get_output_and_gradient_input_disabled
        r.tensor()   # x_grad
        r.tensor()   # cached_output
        if i == len(layers) - 1:
            r.tensor()  # grad_final
            if versions[-1] >= 3:
                r.integer()  # sample expansion factor
        else:
            if layer_version(versions, layers, i) == 2:
                r.tensor()  # params_grad
    if r.pos != len(r.data):
        r.fail(f"{len(r.data) - r.pos} trailing bytes")
    return weights, means


def layer_version(versions, layers, i):
    j = sum(1 for layer in layers[:i] if layer[0] not in ("tag", "skip"))
    return versions[j]


class Graph:
    def __init__(self):
        self.nodes = []
        self.inits = []
        self.n = 0

    def name(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def const(self, base, array):
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type, inputs, **attrs):
        out = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out


def build_graph(weights, means, source_sha256):
    g = Graph()
    layers = LAYERS
    # Shapes are tracked to pad the residual sums as dlib's add_prev does (smaller tensor zero-extended).
    x = "chips"
    shape = (3, 150, 150)
    x = g.op("Sub", [x, g.const("mean", np.array(means, np.float32).reshape(1, 3, 1, 1))])
    x = g.op("Mul", [x, g.const("scale", np.array([1.0 / 256.0], np.float32))])
    tags = {}
    i = len(layers) - 1
    pending_skip = None
    while i >= 0:
        layer, w = layers[i], weights[i]
        kind = layer[0]
        if kind == "con":
            conv_w, conv_b = w["w"], w["b"]
            if i > 0 and layers[i - 1][0] == "affine":
                a = weights[i - 1]
                conv_w = (conv_w * a["g"].reshape(-1, 1, 1, 1)).astype(np.float32)
                conv_b = (conv_b * a["g"] + a["b"]).astype(np.float32)
                i -= 1
            k, s, p = layer[2], w["stride"], w["pad"]
            x = g.op("Conv", [x, g.const("w", conv_w), g.const("b", conv_b)],
                     kernel_shape=[k, k], strides=[s, s], pads=[p, p, p, p])
            h = (shape[1] + 2 * p - k) // s + 1
            shape = (layer[1], h, h)
        elif kind == "affine":
            raise ValueError("affine layer not preceded by a convolution")
        elif kind == "relu":
            x = g.op("Relu", [x])
        elif kind == "max_pool":
            k, s = layer[1], layer[2]
            x = g.op("MaxPool", [x], kernel_shape=[k, k], strides=[s, s])
            shape = (shape[0], (shape[1] - k) // s + 1, (shape[2] - k) // s + 1)
        elif kind == "avg_pool":
            k, s = layer[1], layer[2]
            x = g.op("AveragePool", [x], kernel_shape=[k, k], strides=[s, s])
            shape = (shape[0], (shape[1] - k) // s + 1, (shape[2] - k) // s + 1)
        elif kind == "tag":
            tags[layer[1]] = (x, shape)
        elif kind == "skip":
            x, shape = tags[layer[1]]
        elif kind == "add_prev":
            other, oshape = tags[layer[1]]
            out = tuple(max(a, b) for a, b in zip(shape, oshape))
            x = g.op("Add", [pad_to(g, x, shape, out), pad_to(g, other, oshape, out)])
            shape = out
        elif kind == "avg_pool_everything":
            x = g.op("GlobalAveragePool", [x])
            x = g.op("Flatten", [x], axis=1)
            shape = (shape[0],)
        elif kind == "fc":
            x = g.op("MatMul", [x, g.const("fc", w["w"])])
            shape = (layer[1],)
        i -= 1
    g.nodes[-1].output[0] = "descriptors"
    graph = helper.make_graph(
        g.nodes, "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("chips", TensorProto.FLOAT, ["N", 3, 150, 150])],
        [helper.make_tensor_value_info("descriptors", TensorProto.FLOAT, ["N", 128])],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="kvsedge dlib_to_onnx.py", producer_version="1")
    model.ir_version = 7
    helper.set_model_props(model, {
        "kvsedge.source": "dlib_face_recognition_resnet_model_v1.dat",
        "kvsedge.source_sha256": source_sha256,
        "kvsedge.licence": "public domain (CC0 1.0), Davis E. King",
        "kvsedge.input": "RGB 0..255, 150x150 chip aligned with dlib's 5-point get_face_chip_details(size 150, padding 0.25)",
    })
    checker.check_model(model)
    return model


def pad_to(g, x, shape, out):
    if shape == out:
        return x
    # NCHW pads: begins then ends; only ends grow, as dlib's add() reads outside a smaller tensor as zero.
    pads = [0, 0, 0, 0, 0, out[0] - shape[0], out[1] - shape[1], out[2] - shape[2]]
    return g.op("Pad", [x, g.const("pads", np.array(pads, np.int64))], mode="constant")


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    source, target, expected = sys.argv[1:]
    data = open(source, "rb").read()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        print(f"dlib_to_onnx.py: SHA-256 of {source} is {actual}, expected {expected}", file=sys.stderr)
        return 1
    weights, means = read_network(Reader(data))
    model = build_graph(weights, means, actual)
    onnx.save(model, target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
