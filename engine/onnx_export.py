"""Export a trained network as an ONNX model that runs anywhere ONNX runs.

The model takes the RAW inputs as float32 `input` of shape [N, d] (N dynamic):
the input standardisation (when the network has `input_scaling`) and the
feature transforms (x1*x2, sin(x1), ...) are part of the graph, so a user
feeds the same columns, unscaled, as the CSV had them. It gives `output` shaped like
`Network.predict`: (N, 1) P(class 1), (N, K) class probabilities or (N, 1)
regression values.

Inside, the graph casts the input to float64, computes in float64 (the engine's
precision, so the exported model matches `predict` to float32 rounding) and casts
the result back to float32. ONNX Runtime's CPU kernels have no float64 Elu or
Softplus, so those, and the tanh-approximated GELU and swish that opset 17 lacks,
are composed from primitive ops.

The `onnx` package is an optional extra (`pip install backprop-playground[onnx]`)
and is imported only inside `export_onnx`.
"""

from __future__ import annotations

import json
import numbers
import os
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import EngineError, SpecError
from engine.weights_io import _write_atomic  # temp file + os.replace

MIN_OPSET = 17
PRODUCER_NAME = "backprop-playground"
INPUT_NAME = "input"
OUTPUT_NAME = "output"

_MISSING_ONNX = "ONNX export needs the 'onnx' package: pip install backprop-playground[onnx]"


class OnnxUnavailableError(EngineError, ImportError):
    """The optional `onnx` package is not installed."""


class _GraphBuilder:
    """Collects nodes and float64 initializers; every op gets a fresh output name."""

    def __init__(self, helper: Any, numpy_helper: Any):
        self._helper = helper
        self._numpy_helper = numpy_helper
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def op(self, op_type: str, *inputs: str, output: str | None = None, **attrs: Any) -> str:
        self._count += 1
        out = output or f"{op_type.lower()}_{self._count}"
        self.nodes.append(
            self._helper.make_node(
                op_type, list(inputs), [out], name=f"{op_type}_{self._count}", **attrs
            )
        )
        return out

    def const(self, name: str, value: np.ndarray | float) -> str:
        array = np.asarray(value)
        if array.dtype.kind == "f":
            array = array.astype(np.float64)
        self.initializers.append(self._numpy_helper.from_array(array, name))
        return name

    def scalar(self, name: str, value: float) -> str:
        """A float64 scalar constant, shared by name."""
        if not any(init.name == name for init in self.initializers):
            self.const(name, np.float64(value))
        return name


# --- input features: name -> builder(graph, column) where column(i) is raw input i as [N, 1]


def _square(i: int) -> Callable[[_GraphBuilder, Callable[[int], str]], str]:
    return lambda g, col: g.op("Mul", col(i), col(i))


def _sin(i: int) -> Callable[[_GraphBuilder, Callable[[int], str]], str]:
    return lambda g, col: g.op("Sin", col(i))


FEATURE_BUILDERS: dict[str, Callable[[_GraphBuilder, Callable[[int], str]], str]] = {
    "x1^2": _square(0),
    "x2^2": _square(1),
    "x1*x2": lambda g, col: g.op("Mul", col(0), col(1)),
    "sin(x1)": _sin(0),
    "sin(x2)": _sin(1),
}


def _raw_index(name: str) -> int | None:
    """0-based column of a raw-input feature "x<i>", else None."""
    if name.startswith("x") and name[1:].isdigit():
        return int(name[1:]) - 1
    return None


def _build_features(g: _GraphBuilder, x: str, features: tuple[str, ...], input_dim: int) -> str:
    """The [N, n_features] float64 feature matrix, columns in `features` order."""
    if features == tuple(f"x{i + 1}" for i in range(input_dim)):
        return x  # the features are the raw inputs themselves
    columns: dict[int, str] = {}

    def column(i: int) -> str:
        if i not in columns:
            index = g.const(f"column_{i}", np.array([i], dtype=np.int64))
            columns[i] = g.op("Gather", x, index, output=f"x{i + 1}", axis=1)
        return columns[i]

    outputs = []
    for name in features:
        raw = _raw_index(name)
        if raw is not None:
            outputs.append(column(raw))
        elif name in FEATURE_BUILDERS:
            outputs.append(FEATURE_BUILDERS[name](g, column))
        else:
            raise SpecError(f"Could not export feature {name!r} to ONNX: no graph for it")
    if len(outputs) == 1:
        return outputs[0]
    return g.op("Concat", *outputs, output="features", axis=1)


def _link(spec: Any) -> str:
    """The output link `predict` applies to the logits: sigmoid, softmax or identity."""
    if spec.task == "regression":
        return "identity"
    return "sigmoid" if spec.n_outputs == 1 else "softmax"


def _check_opset(opset: Any, newest: int) -> int:
    if isinstance(opset, bool) or not isinstance(opset, numbers.Integral):
        raise SpecError(
            f"Received an invalid value for `opset`, expected an integer. Received: opset={opset!r}"
        )
    if not MIN_OPSET <= opset <= newest:
        raise SpecError(
            f"Received an invalid value for `opset`, expected an integer between {MIN_OPSET} "
            f"and {newest} (the newest this onnx package knows). Received: opset={opset}"
        )
    return int(opset)


def build_onnx_model(network: Any, *, opset: int = MIN_OPSET) -> Any:
    """The checked `onnx.ModelProto` for `network` (see the module docstring)."""
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError as exc:
        raise OnnxUnavailableError(_MISSING_ONNX) from exc

    opset = _check_opset(opset, onnx.defs.onnx_opset_version())
    spec = network.spec
    g = _GraphBuilder(helper, numpy_helper)

    x = g.op("Cast", INPUT_NAME, output="input_f64", to=TensorProto.DOUBLE)
    if spec.input_scaling is not None:  # (x - mean) / std of the training split, as predict
        mean = g.const("input_mean", np.array(spec.input_scaling.mean))
        std = g.const("input_std", np.array(spec.input_scaling.std))
        x = g.op("Div", g.op("Sub", x, mean), std, output="input_scaled")
    a = _build_features(g, x, spec.features, spec.input_dim)
    for layer in network.layers:
        a = layer.onnx(g, a)  # each layer adds its own nodes and initializers

    link = _link(spec)
    if link == "sigmoid":
        a = g.op("Sigmoid", a, output="probability")
    elif link == "softmax":
        a = g.op("Softmax", a, output="probabilities", axis=-1)
    g.op("Cast", a, output=OUTPUT_NAME, to=TensorProto.FLOAT)

    graph = helper.make_graph(
        g.nodes,
        "backprop_playground_mlp",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, ["N", spec.input_dim])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["N", spec.n_outputs])],
        initializer=g.initializers,
    )
    opset_ids = [helper.make_opsetid("", opset)]
    model = helper.make_model(
        graph,
        opset_imports=opset_ids,
        producer_name=PRODUCER_NAME,
        producer_version=_version(),
        doc_string=_describe(spec, link),
    )
    # the oldest IR version that can carry this opset, so older runtimes load it too
    model.ir_version = helper.find_min_ir_version_for(opset_ids)
    helper.set_model_props(
        model,
        {"spec": json.dumps(spec.to_dict(), sort_keys=True), "output_link": link},
    )
    onnx.checker.check_model(model, full_check=True)
    return model


def export_onnx(network: Any, path: str | os.PathLike[str], *, opset: int = MIN_OPSET) -> Path:
    """Write `network` as an ONNX model to `path` atomically; return the path written.

    Raises OnnxUnavailableError when the optional `onnx` package is missing,
    SpecError for an unsupported opset, OSError when the file cannot be written
    (an existing file at `path` is then left as it was).
    """
    model = build_onnx_model(network, opset=opset)
    path = Path(path)
    data = model.SerializeToString()
    _write_atomic(path, lambda f: f.write(data))
    return path


def _describe(spec: Any, link: str) -> str:
    outputs = {
        "sigmoid": "(N, 1) probability of class 1",
        "softmax": f"(N, {spec.n_outputs}) class probabilities",
        "identity": "(N, 1) predicted values",
    }[link]
    layers = " -> ".join(
        f"{h.units} {h.activation}{''.join(f' +{f}' for f in h.flags)}" for h in spec.hidden
    )
    layers = layers or "no hidden layers"
    scaled = "" if spec.input_scaling is None else ", standardised in the graph"
    return (
        f"Multilayer perceptron trained in Backprop Playground. input: float32 (N, "
        f"{spec.input_dim}) raw inputs{scaled}; features {', '.join(spec.features)} are "
        f"computed in the graph; hidden: {layers}; output: float32 {outputs}."
    )


def _version() -> str:
    try:
        return version("backprop-playground")
    except PackageNotFoundError:
        return ""
