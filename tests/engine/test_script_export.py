"""Export as a NumPy script: the written file alone reproduces Network.predict bit for bit."""

import importlib.util
import itertools
import os
import subprocess
import sys

import numpy as np
import pytest

from engine.network import Network
from engine.script_export import export_numpy_script
from engine.spec import ACTIVATIONS, FEATURES, FEATURES_1D, LayerSpec, NetworkSpec

BINARY = {"task": "classification", "n_classes": 2}
THREE_CLASSES = {"task": "classification", "n_classes": 3}
REGRESSION = {"task": "regression"}
_module_ids = itertools.count()


def _network(seed: int = 0, weight_scale: float = 1.0, **spec_fields) -> Network:
    """A network with random weights large enough to reach every branch of each activation."""
    net = Network(NetworkSpec(**spec_fields), rng=seed)
    net.flat[:] = np.random.default_rng(seed + 1).normal(0.0, weight_scale, net.flat.size)
    return net


def _inputs(spec: NetworkSpec, n: int = 200, scale: float = 1.5, seed: int = 2) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-scale, scale, size=(n, spec.input_dim))


def _export_and_import(net: Network, tmp_path, name: str = "exported_net"):
    """Write the script, then import it from its file like a user would."""
    path = export_numpy_script(net, tmp_path / f"{name}.py")
    assert path == tmp_path / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"{name}_{next(_module_ids)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _assert_bit_identical(net: Network, module, X: np.ndarray) -> None:
    expected = net.predict(X)
    got = module.predict(X)
    assert got.dtype == np.float64
    assert got.shape == expected.shape
    assert np.array_equal(got, expected), np.max(np.abs(got - expected))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_is_bit_identical(activation, tmp_path):
    hidden = (LayerSpec(6, activation), LayerSpec(5, activation))
    net = _network(features=FEATURES, hidden=hidden, **REGRESSION)
    module = _export_and_import(net, tmp_path)
    _assert_bit_identical(net, module, _inputs(net.spec))
    # large pre-activations reach the saturated and overflow-prone branches
    big = _network(features=("x1", "x2"), hidden=hidden, weight_scale=30.0, **BINARY)
    _assert_bit_identical(big, _export_and_import(big, tmp_path, "big"), _inputs(big.spec))


@pytest.mark.parametrize(
    "task", [BINARY, THREE_CLASSES, REGRESSION], ids=["binary", "3-class", "regression"]
)
@pytest.mark.parametrize("input_dim", [1, 2])
def test_every_task_and_input_dim_is_bit_identical(task, input_dim, tmp_path):
    features = FEATURES_1D if input_dim == 1 else FEATURES
    net = _network(input_dim=input_dim, features=features, hidden=(LayerSpec(7, "tanh"),), **task)
    module = _export_and_import(net, tmp_path)
    _assert_bit_identical(net, module, _inputs(net.spec))
    _assert_bit_identical(net, module, _inputs(net.spec, n=1, seed=5))


@pytest.mark.parametrize(
    "spec_fields",
    [
        {"features": ("x1", "x2"), "hidden": (), **THREE_CLASSES},
        {"input_dim": 3, "features": ("x3", "x1"), "hidden": (LayerSpec(4, "relu"),), **BINARY},
        {"features": ("sin(x2)",), "hidden": (LayerSpec(256, "swish"),), **REGRESSION},
    ],
    ids=["no-hidden", "3-d-raw-subset", "one-feature-wide-layer"],
)
def test_other_shapes_are_bit_identical(spec_fields, tmp_path):
    net = _network(**spec_fields)
    _assert_bit_identical(net, _export_and_import(net, tmp_path), _inputs(net.spec))


def test_spec_features_and_weights_are_embedded_exactly(tmp_path):
    net = _network(features=("x1", "x1*x2"), hidden=(LayerSpec(3, "elu"),), **THREE_CLASSES)
    net.weights[0][0, 0] = np.inf  # non-finite values need NumPy names, not repr
    net.biases[0][1] = np.nan
    net.biases[1][0] = -0.0
    module = _export_and_import(net, tmp_path)
    assert NetworkSpec.from_dict(module.SPEC) == net.spec
    assert module.FEATURES == ("x1", "x1*x2")
    assert module.INPUT_DIM == 2
    for k in range(2):
        exported_w, exported_b = getattr(module, f"W{k}"), getattr(module, f"b{k}")
        assert exported_w.dtype == np.float64 and exported_w.shape == net.weights[k].shape
        assert exported_w.tobytes() == net.weights[k].tobytes()
        assert exported_b.tobytes() == net.biases[k].tobytes()


def test_predict_checks_the_input_shape(tmp_path):
    net = _network(features=("x1", "x2"), hidden=(), **BINARY)
    module = _export_and_import(net, tmp_path)
    with pytest.raises(ValueError, match=r"expected X of shape \(n, 2\); received shape \(4, 3\)"):
        module.predict(np.zeros((4, 3)))


def test_one_dimensional_network_accepts_a_plain_vector(tmp_path):
    net = _network(
        input_dim=1, features=("x1", "sin(x1)"), hidden=(LayerSpec(4, "gelu"),), **REGRESSION
    )
    module = _export_and_import(net, tmp_path)
    x = np.linspace(-1.0, 1.0, 11)
    assert np.array_equal(module.predict(x), net.predict(x[:, None]))


def _run(script, *args, cwd):
    return subprocess.run(
        [sys.executable, str(script), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def _parse(stdout: str) -> tuple[list[str], np.ndarray]:
    header, *rows = stdout.strip().splitlines()
    return header.split(","), np.array([[float(v) for v in row.split(",")] for row in rows])


def test_script_predicts_a_csv_file_when_run(tmp_path):
    net = _network(
        features=("x1", "x2", "x2^2"), hidden=(LayerSpec(5, "sigmoid"),), **THREE_CLASSES
    )
    script = export_numpy_script(net, tmp_path / "classifier.py")
    X = _inputs(net.spec, n=6)
    lines = ["x1,x2,label"] + [f"{float(a)!r},{float(b)!r},{i % 3}" for i, (a, b) in enumerate(X)]
    (tmp_path / "points.csv").write_text("\n".join(lines) + "\n")

    result = _run(script, "points.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    header, values = _parse(result.stdout)
    assert header == ["x1", "x2", "p0", "p1", "p2"]
    assert np.array_equal(values[:, :2], X)
    assert np.array_equal(values[:, 2:], net.predict(X))  # repr round-trips exactly


def test_script_without_arguments_shows_a_few_predictions(tmp_path):
    net = _network(
        input_dim=1, features=FEATURES_1D, hidden=(LayerSpec(3, "leaky_relu"),), **REGRESSION
    )
    script = export_numpy_script(net, tmp_path / "curve.py")
    result = _run(script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    header, values = _parse(result.stdout)
    assert header == ["x1", "y"]
    assert len(values) >= 3
    assert np.array_equal(values[:, 1:], net.predict(values[:, :1]))


def test_script_reports_a_bad_csv_line(tmp_path):
    net = _network(features=("x1", "x2"), hidden=(), **BINARY)
    script = export_numpy_script(net, tmp_path / "classifier.py")
    (tmp_path / "bad.csv").write_text("0.1,0.2\n0.3,oops\n")
    result = _run(script, "bad.csv", cwd=tmp_path)
    assert result.returncode != 0
    assert "line 2" in result.stderr and "oops" in result.stderr


def test_script_imports_nothing_from_the_project(tmp_path):
    net = _network(features=FEATURES, hidden=(LayerSpec(3, "softplus"),), **BINARY)
    script = export_numpy_script(net, tmp_path / "standalone.py")
    probe = (
        "import runpy, sys\n"
        f"runpy.run_path({str(script)!r})\n"
        "project = {'engine', 'datasets', 'playground', 'PySide6', 'pyqtgraph'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in project))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_failed_write_leaves_the_old_file_intact(monkeypatch, tmp_path):
    path = tmp_path / "net.py"
    path.write_text("# previous export\n")
    net = _network(features=("x1", "x2"), hidden=(LayerSpec(2, "relu"),), **BINARY)

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        export_numpy_script(net, path)
    assert path.read_text() == "# previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["net.py"]
