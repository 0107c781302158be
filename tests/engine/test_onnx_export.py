"""ONNX export: the exported model, run in ONNX Runtime, gives what Network.predict gives."""

import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from engine.errors import EngineError, SpecError
from engine.network import Network
from engine.onnx_export import OnnxUnavailableError, export_onnx
from engine.spec import ACTIVATIONS, FEATURES, FEATURES_1D, LayerSpec, NetworkSpec

BINARY = {"task": "classification", "n_classes": 2}
THREE_CLASSES = {"task": "classification", "n_classes": 3}
REGRESSION = {"task": "regression"}


def _network(seed: int = 0, weight_scale: float = 1.0, **spec_fields) -> Network:
    """A network with random weights large enough to reach every branch of each activation."""
    net = Network(NetworkSpec(**spec_fields), rng=seed)
    net.flat[:] = np.random.default_rng(seed + 1).normal(0.0, weight_scale, net.flat.size)
    return net


def _inputs(spec: NetworkSpec, n: int = 64, scale: float = 1.5, seed: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(-scale, scale, size=(n, spec.input_dim)).astype(np.float32)


def _session(path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _assert_matches_predict(net: Network, path, X: np.ndarray) -> None:
    out = _session(path).run(["output"], {"input": X})[0]
    expected = net.predict(X.astype(np.float64))
    assert out.dtype == np.float32
    assert out.shape == expected.shape
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-5)


def _export_checked(net: Network, tmp_path, name: str = "net.onnx"):
    path = export_onnx(net, tmp_path / name)
    assert path == tmp_path / name
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    return path


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_matches_predict(activation, tmp_path):
    hidden = (LayerSpec(6, activation), LayerSpec(5, activation))
    net = _network(features=FEATURES, hidden=hidden, **REGRESSION)
    path = _export_checked(net, tmp_path)
    _assert_matches_predict(net, path, _inputs(net.spec))
    # large pre-activations: the composed elu, softplus, gelu and swish must stay stable
    big = _network(features=("x1", "x2"), hidden=hidden, weight_scale=30.0, **BINARY)
    _assert_matches_predict(big, _export_checked(big, tmp_path, "big.onnx"), _inputs(big.spec))


@pytest.mark.parametrize(
    "task", [BINARY, THREE_CLASSES, REGRESSION], ids=["binary", "3-class", "regression"]
)
@pytest.mark.parametrize("input_dim", [1, 2])
def test_every_task_and_input_dim_matches_predict(task, input_dim, tmp_path):
    features = FEATURES_1D if input_dim == 1 else ("x1", "x2")
    hidden = (LayerSpec(7, "tanh"),)
    net = _network(input_dim=input_dim, features=features, hidden=hidden, **task)
    path = _export_checked(net, tmp_path)
    _assert_matches_predict(net, path, _inputs(net.spec))
    out = _session(path).run(["output"], {"input": _inputs(net.spec)})[0]
    if task is THREE_CLASSES:
        np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize(
    "input_dim,feature",
    [(2, f) for f in FEATURES] + [(1, f) for f in FEATURES_1D],
)
def test_each_feature_alone_is_computed_in_the_graph(input_dim, feature, tmp_path):
    net = _network(
        input_dim=input_dim, features=(feature,), hidden=(LayerSpec(3, "tanh"),), **REGRESSION
    )
    _assert_matches_predict(net, _export_checked(net, tmp_path), _inputs(net.spec))


@pytest.mark.parametrize("features", [("x1", "x2", "x3"), ("x3", "x1")], ids=["all-raw", "subset"])
def test_raw_inputs_of_higher_dimensional_data(features, tmp_path):
    net = _network(input_dim=3, features=features, hidden=(LayerSpec(4, "relu"),), **THREE_CLASSES)
    _assert_matches_predict(net, _export_checked(net, tmp_path), _inputs(net.spec))


def test_network_without_hidden_layers(tmp_path):
    net = _network(features=("x1", "x2", "x1*x2"), hidden=(), task="classification", n_classes=4)
    _assert_matches_predict(net, _export_checked(net, tmp_path), _inputs(net.spec))


def test_input_and_output_names_types_and_dynamic_batch(tmp_path):
    net = _network(features=("x1", "sin(x2)"), hidden=(LayerSpec(3, "gelu"),), **THREE_CLASSES)
    session = _session(_export_checked(net, tmp_path))
    (inp,), (out,) = session.get_inputs(), session.get_outputs()
    assert (inp.name, inp.type) == ("input", "tensor(float)")
    assert (out.name, out.type) == ("output", "tensor(float)")
    assert isinstance(inp.shape[0], str) and inp.shape[1] == 2
    assert isinstance(out.shape[0], str) and out.shape[1] == 3
    for n in (1, 3, 257):
        X = _inputs(net.spec, n=n, seed=n)
        result = session.run(None, {"input": X})[0]
        assert result.shape == (n, 3)
        np.testing.assert_allclose(result, net.predict(X.astype(np.float64)), atol=1e-5)


def test_metadata_carries_producer_and_spec(tmp_path):
    spec_fields = {"features": ("x1", "x2^2"), "hidden": (LayerSpec(3, "elu"),), **REGRESSION}
    net = _network(**spec_fields)
    model = onnx.load(str(_export_checked(net, tmp_path)))
    assert model.producer_name == "backprop-playground"
    props = {p.key: p.value for p in model.metadata_props}
    assert NetworkSpec.from_dict(json.loads(props["spec"])) == net.spec
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 17)]
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    np.testing.assert_array_equal(weights["layers.0.weight"], net.weights[0])
    np.testing.assert_array_equal(weights["layers.1.bias"], net.biases[1])


def test_newer_opset_is_accepted(tmp_path):
    net = _network(features=("x1", "x2"), hidden=(LayerSpec(3, "softplus"),), **BINARY)
    path = export_onnx(net, tmp_path / "net.onnx", opset=18)
    assert [o.version for o in onnx.load(str(path)).opset_import] == [18]
    _assert_matches_predict(net, path, _inputs(net.spec))


@pytest.mark.parametrize("opset", [16, "17", 1.5, True, 10_000])
def test_unsupported_opset_is_refused(opset, tmp_path):
    net = _network(features=("x1", "x2"), hidden=(), **BINARY)
    with pytest.raises(SpecError, match="opset"):
        export_onnx(net, tmp_path / "net.onnx", opset=opset)
    assert not list(tmp_path.iterdir())


def test_missing_onnx_package_gives_an_install_hint(monkeypatch, tmp_path):
    net = _network(features=("x1", "x2"), hidden=(), **BINARY)
    monkeypatch.setitem(sys.modules, "onnx", None)  # makes `import onnx` raise ImportError
    with pytest.raises(
        OnnxUnavailableError, match=r"pip install backprop-playground\[onnx\]"
    ) as info:
        export_onnx(net, tmp_path / "net.onnx")
    assert isinstance(info.value, EngineError)
    assert not list(tmp_path.iterdir())


def test_failed_write_leaves_the_old_file_intact(monkeypatch, tmp_path):
    path = tmp_path / "net.onnx"
    path.write_bytes(b"previous export")
    net = _network(features=("x1", "x2"), hidden=(LayerSpec(2, "relu"),), **BINARY)

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        export_onnx(net, path)
    assert path.read_bytes() == b"previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["net.onnx"]
    monkeypatch.undo()
    export_onnx(net, path)
    _assert_matches_predict(net, path, _inputs(net.spec))
