"""A network's input scaler (spec.input_scaling) travels with it: predict, files, ONNX, script."""

import importlib.util
import json

import numpy as np
import onnxruntime as ort
import pytest

from engine import weights_io
from engine.errors import SpecError, WeightsFileError
from engine.network import Network
from engine.onnx_export import export_onnx
from engine.script_export import export_numpy_script
from engine.spec import InputScaling, LayerSpec, NetworkSpec
from engine.unit_maps import UnitMaps

MEAN = (1500.0, -0.02, 7.0)
STD = (800.0, 0.004, 2.5)


def _scaled_network(features=("x1", "x2", "x3"), input_dim=3, **fields) -> Network:
    spec = NetworkSpec(
        input_dim=input_dim,
        features=features,
        hidden=(LayerSpec(5, "tanh"), LayerSpec(4, "elu")),
        input_scaling=InputScaling(MEAN[:input_dim], STD[:input_dim]),
        **fields,
    )
    net = Network(spec, rng=0)
    net.flat[:] = np.random.default_rng(1).normal(0.0, 1.0, net.flat.size)
    return net


def _raw_rows(n: int = 50, dim: int = 3) -> np.ndarray:
    """Rows on the scales of MEAN/STD: a column in thousands next to one in thousandths."""
    z = np.random.default_rng(2).normal(size=(n, dim))
    return np.array(MEAN[:dim]) + z * np.array(STD[:dim])


def test_predict_standardises_raw_rows_before_the_features():
    net = _scaled_network()
    X = _raw_rows()
    plain = Network(net.spec.replace(input_scaling=None), rng=0)
    plain.flat[:] = net.flat
    expected = plain.predict((X - np.array(MEAN)) / np.array(STD))
    np.testing.assert_array_equal(net.predict(X), expected)
    assert not np.allclose(net.predict(X), plain.predict(X))  # the scaler does something


def test_spec_round_trips_and_first_wave_specs_still_load():
    spec = _scaled_network().spec
    d = spec.to_dict()
    assert d["input_scaling"] == {"mean": list(MEAN), "std": list(STD)}
    assert NetworkSpec.from_dict(json.loads(json.dumps(d))) == spec
    old = {k: v for k, v in d.items() if k != "input_scaling"}  # a first-wave spec
    assert NetworkSpec.from_dict(old).input_scaling is None
    assert "input_scaling" not in NetworkSpec.from_dict(old).to_dict()


@pytest.mark.parametrize(
    ("scaling", "needle"),
    [
        ({"mean": [0.0, 0.0], "std": [1.0, 1.0]}, "one per raw input (3)"),
        ({"mean": [0.0, 0.0, 0.0], "std": [1.0, 0.0, 1.0]}, "finite numbers > 0"),
        ({"mean": [0.0, float("nan"), 0.0], "std": [1.0, 1.0, 1.0]}, "finite numbers"),
        ({"mean": [0.0, 0.0, 0.0]}, "needs the field(s) ['std']"),
        ({"mean": "0", "std": [1.0]}, "expected a list"),
        ({"mean": [0.0] * 3, "std": [1.0] * 3, "scale": 2}, "Unknown input scaling field"),
    ],
)
def test_a_bad_scaler_is_refused_with_a_clear_message(scaling, needle):
    with pytest.raises(SpecError, match=r"(?i)input.scaling") as info:
        NetworkSpec(input_dim=3, features=("x1", "x2", "x3"), input_scaling=scaling)
    assert needle in str(info.value)


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_weights_files_carry_the_scaler_bit_exactly(tmp_path, suffix):
    awkward = InputScaling((0.1 + 0.2, 1 / 3, 1e-300), (np.pi, 2.0**-40, 7e15))
    net = Network(_scaled_network().spec.replace(input_scaling=awkward), rng=3)
    path = tmp_path / f"w{suffix}"
    weights_io.save(net, path)
    loaded = weights_io.load(path)
    assert loaded.spec == net.spec
    assert loaded.spec.input_scaling == awkward  # every float to the bit
    X = _raw_rows()
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))


def test_a_damaged_scaler_in_a_weights_file_is_a_weights_error(tmp_path):
    path = tmp_path / "w.json"
    weights_io.save(_scaled_network(), path)
    doc = json.loads(path.read_text())
    doc["spec"]["input_scaling"]["std"][0] = -1.0
    path.write_text(json.dumps(doc))
    with pytest.raises(WeightsFileError, match=r"invalid network spec.*finite numbers > 0"):
        weights_io.load(path)


@pytest.mark.parametrize(
    ("features", "input_dim", "fields"),
    [
        (("x1", "x2", "x3"), 3, {"task": "classification", "n_classes": 2}),
        (("x1", "x1*x2", "sin(x2)", "x2^2"), 2, {"task": "classification", "n_classes": 3}),
        (("x1", "sin(x1)"), 1, {"task": "regression"}),
    ],
)
def test_onnx_and_script_take_raw_rows_like_predict(tmp_path, features, input_dim, fields):
    net = _scaled_network(features, input_dim, **fields)
    X = _raw_rows(dim=input_dim)
    expected = net.predict(X)

    onnx_path = export_onnx(net, tmp_path / "net.onnx")
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    X32 = X.astype(np.float32)
    got = session.run(["output"], {"input": X32})[0]
    np.testing.assert_allclose(got, net.predict(X32.astype(np.float64)), rtol=1e-6, atol=1e-5)

    script = export_numpy_script(net, tmp_path / "scaled_net.py")
    module_spec = importlib.util.spec_from_file_location("scaled_net_module", script)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    assert np.array_equal(module.predict(X), expected)
    assert net.spec.to_dict() == module.SPEC  # the scaler is written out in the spec too


def test_unit_maps_standardise_the_grid_like_predict():
    net = _scaled_network(("x1", "x2"), 2)
    bounds = ((0.0, 3000.0), (-0.03, -0.01))
    grid = UnitMaps(bounds, input_dim=2, resolution=5)
    weights = list(zip(net.weights, net.biases, strict=True))
    maps = grid.compute(net.spec, weights)
    out = maps[-1].reshape(net.spec.n_outputs, -1).T  # the output column: logits per point
    np.testing.assert_allclose(out, net.logits(grid.points), rtol=1e-12, atol=1e-12)
