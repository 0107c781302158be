"""Export a trained network as a standalone, readable NumPy script.

The written `.py` needs only NumPy. It embeds the weights as exact float
literals (Python's `repr` of a float reads back bit for bit) and spells the
forward pass out layer by layer, in the same operations and order as
`Network.predict`, so its `predict(X)` returns the same float64 numbers.
It is meant to be read: someone who opens it sees how features, dense layers,
activations and the output link turn an input into a prediction.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from engine.activations import ACTIVATIONS
from engine.errors import SpecError
from engine.features import raw_inputs_used
from engine.weights_io import _write_atomic  # temp file + os.replace

# The output link applied to the last layer's logits, as Network.predict does.
LINK_SOURCE: dict[str, str] = {
    "sigmoid": '''
def output_link(logits):
    """Binary classification: sigmoid of the single logit = P(class 1)."""
    return sigmoid(logits)
''',
    "softmax": '''
def output_link(logits):
    """K classes: softmax over the logits of each row = class probabilities.

    Subtracting the row maximum first keeps exp from overflowing; it does not
    change the result.
    """
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
''',
    "identity": '''
def output_link(logits):
    """Regression: the output is the logit itself."""
    return logits
''',
}

_LINK_MEANING = {
    "sigmoid": "P(class 1)",
    "softmax": "probability of each class",
    "identity": "predicted value",
}

# Input features as expressions of the raw input columns x1, x2, ...
FEATURE_SOURCE: dict[str, str] = {
    "x1^2": "x1 * x1",
    "x2^2": "x2 * x2",
    "x1*x2": "x1 * x2",
    "sin(x1)": "np.sin(x1)",
    "sin(x2)": "np.sin(x2)",
}


def export_numpy_script(network: Any, path: str | os.PathLike[str]) -> Path:
    """Write `network` as a standalone NumPy script to `path` atomically; return the path."""
    path = Path(path)
    text = numpy_script_source(network, module_name=path.stem)
    _write_atomic(path, lambda f: f.write(text.encode("utf-8")))
    return path


def numpy_script_source(network: Any, *, module_name: str = "network") -> str:
    """The text of the script (see the module docstring)."""
    spec = network.spec
    link = _link(spec)
    hidden = [layer.activation.name for layer in network.layers if not layer.output]
    preamble = "\n".join(
        [
            _header(spec, network.layers, link, module_name),
            "import csv\nimport sys\n\nimport numpy as np\n",
            "# The network spec, as Backprop Playground stores it.\n"
            + _spec_literal(spec.to_dict()),
            f"INPUT_DIM = {spec.input_dim}\nFEATURES = {_literal(tuple(spec.features))}\n",
        ]
    )
    parts = [
        preamble,
        _features_source(spec),
        _functions_source(hidden, link),
        _weights_source(network),
        _predict_source(network),
        _main_source(spec, link),
    ]
    return "\n\n".join(part.strip("\n") + "\n" for part in parts)


def _spec_literal(spec: dict[str, Any]) -> str:
    """`SPEC = {...}` with one key per line and one hidden layer per line."""
    lines = ["SPEC = {"]
    for key, value in spec.items():
        if key == "hidden" and value:
            lines.append(f"    {_literal(key)}: [")
            lines += [f"        {_literal(layer)}," for layer in value]
            lines.append("    ],")
        elif key == "input_scaling":
            lines.append(f"    {_literal(key)}: {{")
            for name, values in value.items():
                key_text = f"        {_literal(name)}: "
                lines.append(f"{key_text}{_row(np.array(values), ' ' * (len(key_text) - 1))},")
            lines.append("    },")
        else:
            lines.append(f"    {_literal(key)}: {_literal(value)},")
    return "\n".join([*lines, "}"]) + "\n"


def _literal(value: Any) -> str:
    """A Python literal for JSON-like data, with double-quoted strings."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        items = [_literal(v) for v in value]
        if isinstance(value, tuple):
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return "[" + ", ".join(items) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def _link(spec: Any) -> str:
    if spec.task == "regression":
        return "identity"
    return "sigmoid" if spec.n_outputs == 1 else "softmax"


def _header(spec: Any, layers: list, link: str, module_name: str) -> str:
    chain = [f"{spec.input_dim} raw input(s)", f"features {', '.join(spec.features)}"]
    if spec.input_scaling is not None:
        chain.insert(1, "standardised: (x - INPUT_MEAN) / INPUT_STD")
    chain += [layer.describe() for layer in layers]
    chain += [f"{link} -> {_LINK_MEANING[link]}"]
    chain_text = "\n    -> ".join(chain)
    return f'''"""A neural network trained in Backprop Playground, as a standalone NumPy script.

Generated file: needs only NumPy. The network, from input to output:

    {chain_text}

Every dense layer computes z = a @ W.T + b with W of shape (out, in); hidden
layers then apply their activation elementwise. The weights below are the
trained float64 values, written so they read back exactly.

Use it from a shell: predictions for each row of a CSV file of inputs (a header
row and a last target column, if present, are ignored), or, with no file, for a
few example points:

    python {module_name}.py points.csv
    python {module_name}.py

or from Python:

    from {module_name} import predict
    predict(X)  # X: (n, {spec.input_dim}) raw inputs -> (n, {spec.n_outputs}) {_LINK_MEANING[link]}
"""
'''


def _features_source(spec: Any) -> str:
    raw_names = [f"x{i + 1}" for i in range(spec.input_dim)]
    scaling, standardise = "", ""
    if spec.input_scaling is not None:
        mean = array_literal(np.array(spec.input_scaling.mean))
        std = array_literal(np.array(spec.input_scaling.std))
        scaling = (
            "# The network was trained on standardised inputs: each raw column has the mean\n"
            "# of the training rows subtracted and is divided by their standard deviation.\n"
            f"INPUT_MEAN = {mean}\nINPUT_STD = {std}\n\n\n"
        )
        standardise = "    X = (X - INPUT_MEAN) / INPUT_STD  # standardise the raw columns\n"
    if tuple(spec.features) == tuple(raw_names):
        body = "    return X  # the features are the raw inputs themselves"
    else:
        for f in spec.features:
            if f not in raw_names and f not in FEATURE_SOURCE:
                raise SpecError(
                    f"Could not export feature {f!r} to a NumPy script: no formula for it"
                )
        used = sorted({i for f in spec.features for i in raw_inputs_used(f)})
        columns = [FEATURE_SOURCE.get(f, f) for f in spec.features]
        body = "\n".join(f"    x{i + 1} = X[:, {i}]" for i in used)
        body += f"\n    return np.stack([{', '.join(columns)}], axis=1)"
    return f'''
# ----------------------------------------------------------------------------
# Input features: computed from the raw input columns, one column per feature.
# ----------------------------------------------------------------------------


{scaling}def features(X):
    """Raw inputs (n, {spec.input_dim}) -> features (n, {len(spec.features)}), in FEATURES order."""
{standardise}{body}
'''


def _functions_source(hidden: list[str], link: str) -> str:
    names: list[str] = []
    wanted = [*hidden, "sigmoid"] if link == "sigmoid" else list(hidden)
    for name in wanted:
        for needed in (*ACTIVATIONS.get(name).script_needs, name):
            if needed not in names:
                names.append(needed)
    acts = [ACTIVATIONS.get(name) for name in names]
    constants = "".join(act.script_constants for act in acts)
    definitions = "\n\n".join(act.script.strip("\n") + "\n" for act in acts)
    banner = (
        "# ----------------------------------------------------------------------------\n"
        "# Activations (elementwise) and the output link.\n"
        "# ----------------------------------------------------------------------------\n\n\n"
    )
    return banner + "\n\n\n".join(
        part.strip("\n") for part in (constants, definitions, LINK_SOURCE[link]) if part
    )


def _weights_source(network: Any) -> str:
    out = [
        "# ----------------------------------------------------------------------------\n"
        "# Weights: layer k maps its input (width in) to its output (width out) with\n"
        "# W{k} of shape (out, in) and b{k} of shape (out,).\n"
        "# ----------------------------------------------------------------------------\n\n"
    ]
    out += [layer.script()[0] + "\n" for layer in network.layers]
    return "".join(out)


def _predict_source(network: Any) -> str:
    spec = network.spec
    steps = [f"    {line}" for layer in network.layers for line in layer.script()[1]]
    steps.append("    return output_link(logits)")
    one_d = ""
    if spec.input_dim == 1:
        one_d = "    if X.ndim == 1:\n        X = X[:, None]  # a plain vector of x values\n"
    return f'''
# ----------------------------------------------------------------------------
# The forward pass.
# ----------------------------------------------------------------------------


def predict(X):
    """Raw inputs X (n, {spec.input_dim}) -> predictions (n, {spec.n_outputs}), in float64."""
    X = np.asarray(X, dtype=np.float64)
{one_d}    if X.ndim != 2 or X.shape[1] != INPUT_DIM:
        raise ValueError(f"expected X of shape (n, {{INPUT_DIM}}); received shape {{X.shape}}")
    a = features(X)
''' + "\n".join(steps)


def _main_source(spec: Any, link: str) -> str:
    if link == "softmax":
        outputs = ", ".join(f'"p{c}"' for c in range(spec.n_outputs))
    else:
        outputs = {"sigmoid": '"p1"', "identity": '"y"'}[link]
    return f'''
def read_inputs(path):
    """Rows of the CSV at `path` as an (n, INPUT_DIM) array.

    A first row that is not numeric is taken as a header; a row with one more
    column than INPUT_DIM carries a target in its last column, which is dropped.
    """
    rows = []
    with open(path, newline="") as f:
        for line, row in enumerate(csv.reader(f), start=1):
            if not any(cell.strip() for cell in row):
                continue
            try:
                values = [float(cell) for cell in row]
            except ValueError:
                if line == 1:
                    continue
                raise SystemExit(f"{{path}}: line {{line}}: expected numbers; received {{row}}")
            if len(values) not in (INPUT_DIM, INPUT_DIM + 1):
                raise SystemExit(
                    f"{{path}}: line {{line}}: expected {{INPUT_DIM}} input column(s) "
                    f"(plus an optional target); received {{len(values)}}"
                )
            rows.append(values[:INPUT_DIM])
    return np.array(rows, dtype=np.float64).reshape(-1, INPUT_DIM)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        X = read_inputs(sys.argv[1])
    else:
        X = np.linspace(-1.0, 1.0, 5)[:, None] * np.ones(INPUT_DIM)  # a few points on the diagonal
    header = [f"x{{i + 1}}" for i in range(INPUT_DIM)] + [{outputs}]
    print(",".join(header))
    for x, p in zip(X, predict(X)):
        print(",".join(repr(float(v)) for v in (*x, *p)))
'''


def _number(value: float) -> str:
    """A float literal that reads back bit-exactly (repr), with NumPy names for inf/nan."""
    if np.isnan(value):
        return "np.nan"
    if np.isinf(value):
        return "np.inf" if value > 0 else "-np.inf"
    return repr(float(value))


def _row(values: np.ndarray, indent: str, width: int = 96) -> str:
    """`[v, v, ...]`, wrapped to lines of at most about `width` characters."""
    lines, current = [], ""
    for text in (_number(v) for v in values):
        if current and len(indent) + len(current) + len(text) + 2 > width:
            lines.append(current.rstrip())
            current = ""
        current += text + ", "
    lines.append(current.rstrip().rstrip(","))
    return "[" + f"\n{indent} ".join(lines) + "]"


def array_literal(array: np.ndarray) -> str:
    """An exact `np.array(...)` literal of a float64 vector or matrix (see `_number`)."""
    array = np.asarray(array, dtype=np.float64)
    if array.ndim == 1:
        one_line = f"np.array({_row(array, '', width=10**9)}, dtype=np.float64)"
        if len(one_line) <= 90:
            return one_line
        return f"np.array(\n    {_row(array, ' ' * 4)},\n    dtype=np.float64,\n)"
    rows = ",\n".join("        " + _row(row, " " * 8) for row in array)
    return f"np.array(\n    [\n{rows},\n    ],\n    dtype=np.float64,\n)"
