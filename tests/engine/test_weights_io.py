"""Weights files: layout, bit-exact round trips, atomic writes and refusals of bad files."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from engine.errors import WeightsFileError
from engine.network import Network
from engine.spec import LayerSpec, NetworkSpec
from engine.weights_io import WEIGHTS_FORMAT, WEIGHTS_VERSION, load, load_into, read, save

SPECS = {
    "binary": NetworkSpec(
        features=("x1", "x2", "x1*x2"),
        hidden=(LayerSpec(5, "tanh"), LayerSpec(3, "relu")),
    ),
    "three-class": NetworkSpec(hidden=(LayerSpec(4, "gelu"),), n_classes=3),
    "regression-1d": NetworkSpec(
        input_dim=1, features=("x1", "sin(x1)"), hidden=(LayerSpec(6, "elu"),), task="regression"
    ),
    "no-hidden": NetworkSpec(hidden=()),
}


def _net(key: str = "binary", seed: int = 3) -> Network:
    return Network(SPECS[key], rng=seed)


def _inputs(net: Network, n: int = 50) -> np.ndarray:
    return np.random.default_rng(9).uniform(-1.5, 1.5, size=(n, net.spec.input_dim))


def _npz_contents(path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


@pytest.mark.parametrize("key", SPECS)
@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_round_trip_predicts_bit_exactly(tmp_path, key, suffix):
    net = _net(key)
    # awkward values that a careless float format would round
    awkward = np.array([1 / 3, -0.0, 5e-324, 2**0.5, 0.1, -2.5e-17])
    net.biases[0][...] = awkward[: len(net.biases[0])]
    path = tmp_path / f"w{suffix}"
    save(net, path)
    back = load(path)
    assert back.spec == net.spec
    X = _inputs(net)
    np.testing.assert_array_equal(back.predict(X), net.predict(X))
    for name, value in net.state_dict().items():
        got = back.state_dict()[name]
        assert got.tobytes() == value.tobytes(), name  # same bits, -0.0 included


def test_npz_layout(tmp_path):
    net = _net()
    path = tmp_path / "w.npz"
    save(net, path)
    z = _npz_contents(path)
    assert str(z["format"]) == WEIGHTS_FORMAT
    assert int(z["version"]) == WEIGHTS_VERSION
    assert NetworkSpec.from_dict(json.loads(str(z["spec"]))) == net.spec
    sizes = net.spec.layer_sizes  # [3, 5, 3, 1]
    for k in range(len(sizes) - 1):
        assert z[f"layers.{k}.weight"].shape == (sizes[k + 1], sizes[k])
        assert z[f"layers.{k}.bias"].shape == (sizes[k + 1],)
        np.testing.assert_array_equal(z[f"layers.{k}.weight"], net.weights[k])
    assert str(z["dtype"]) == "float64"
    assert len(z) == 4 + 2 * (len(sizes) - 1)


def test_json_layout(tmp_path):
    net = _net()
    path = tmp_path / "w.json"
    save(net, path)
    with open(path) as f:
        doc = json.load(f)
    assert doc["format"] == WEIGHTS_FORMAT and doc["version"] == WEIGHTS_VERSION
    assert NetworkSpec.from_dict(doc["spec"]) == net.spec
    assert doc["tensors"]["layers.1.weight"] == net.weights[1].tolist()
    assert sorted(doc["tensors"]) == sorted(net.state_dict())


def test_suffix_is_case_insensitive(tmp_path):
    net = _net()
    save(net, tmp_path / "W.NPZ")
    np.testing.assert_array_equal(load(tmp_path / "W.NPZ").flat, net.flat)


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch, suffix):
    path = tmp_path / f"w{suffix}"
    save(_net(seed=1), path)
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match=r"disk full"):
        save(_net(seed=2), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [path.name]  # no temporary file left behind


def test_failure_while_writing_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "w.npz"
    save(_net(seed=1), path)
    before = path.read_bytes()

    def half_write(f, **arrays):
        f.write(b"PK\x03\x04 half an archive")
        raise RuntimeError("interrupted")

    monkeypatch.setattr(np, "savez", half_write)
    with pytest.raises(RuntimeError, match=r"interrupted"):
        save(_net(seed=2), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [path.name]


def test_unwritable_path_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        save(_net(), tmp_path / "no-such-dir" / "w.npz")
    (tmp_path / "adir.json").mkdir()
    with pytest.raises(OSError):
        save(_net(), tmp_path / "adir.json")
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.npz")


def test_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(WeightsFileError, match=r"suffix '\.onnx'.*\.npz, \.json"):
        save(_net(), tmp_path / "w.onnx")
    (tmp_path / "w.txt").write_text("hello")
    with pytest.raises(WeightsFileError, match=r"suffix '\.txt'"):
        load(tmp_path / "w.txt")


def _rewrite_npz(tmp_path, change) -> str:
    path = tmp_path / "w.npz"
    save(_net(), path)
    z = _npz_contents(path)
    change(z)
    bad = tmp_path / "bad.npz"
    np.savez(bad, **z)
    return bad


def test_missing_tensor_is_named(tmp_path):
    bad = _rewrite_npz(tmp_path, lambda z: z.pop("layers.1.bias"))
    with pytest.raises(
        WeightsFileError, match=r"missing tensor 'layers.1.bias' \(expected shape \(3,\)\)"
    ):
        load(bad)


def test_wrong_shape_names_the_tensor_and_both_shapes(tmp_path):
    def change(z):
        z["layers.1.weight"] = np.zeros((3, 4))

    bad = _rewrite_npz(tmp_path, change)
    with pytest.raises(
        WeightsFileError, match=r"'layers.1.weight'.*shape \(3, 4\), expected \(3, 5\)"
    ):
        load(bad)


def test_extra_tensor_non_finite_and_bad_spec_are_refused(tmp_path):
    def extra(z):
        z["layers.3.weight"] = np.zeros((1, 1))

    with pytest.raises(WeightsFileError, match=r"unexpected entries.*layers.3.weight"):
        load(_rewrite_npz(tmp_path, extra))

    def nan(z):
        z["layers.0.bias"][2] = np.nan

    with pytest.raises(WeightsFileError, match=r"'layers.0.bias'.*NaN"):
        load(_rewrite_npz(tmp_path, nan))

    def spec(z):
        z["spec"] = np.array(json.dumps({**json.loads(str(z["spec"])), "loss": "hinge"}))

    with pytest.raises(WeightsFileError, match=r"invalid network spec.*hinge"):
        load(_rewrite_npz(tmp_path, spec))


def test_newer_version_is_refused(tmp_path):
    def newer(z):
        z["version"] = np.array(WEIGHTS_VERSION + 1)

    with pytest.raises(WeightsFileError, match=r"version 2.*Update"):
        load(_rewrite_npz(tmp_path, newer))
    path = tmp_path / "w.json"
    save(_net(), path)
    doc = json.loads(path.read_text())
    doc["version"] = WEIGHTS_VERSION + 1
    path.write_text(json.dumps(doc))
    with pytest.raises(WeightsFileError, match=r"version 2.*Update"):
        load(path)


def test_files_that_are_not_weights_are_refused(tmp_path):
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.zeros(3))
    with pytest.raises(WeightsFileError, match=r"not a Backprop Playground weights file"):
        load(plain)
    npy = tmp_path / "array.npz"
    with open(npy, "wb") as f:
        np.save(f, np.zeros(3))
    with pytest.raises(WeightsFileError, match=r"single .npy array"):
        load(npy)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"format": "something-else", "version": 1}))
    with pytest.raises(WeightsFileError, match=r"not a Backprop Playground weights file"):
        load(other)
    listing = tmp_path / "list.json"
    listing.write_text("[1, 2]")
    with pytest.raises(WeightsFileError, match=r"expected a JSON object"):
        load(listing)


def test_corrupt_files_are_refused(tmp_path):
    path = tmp_path / "w.npz"
    save(_net(), path)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(path.read_bytes()[:200])
    with pytest.raises(WeightsFileError, match=r"not a readable .npz"):
        load(truncated)
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(WeightsFileError, match=r"not a readable .npz"):
        load(empty)
    broken = tmp_path / "broken.json"
    save(_net(), broken)
    broken.write_text(broken.read_text()[:-20])
    with pytest.raises(WeightsFileError, match=r"not valid JSON"):
        load(broken)


def test_json_tensor_of_strings_is_refused(tmp_path):
    path = tmp_path / "w.json"
    save(_net(), path)
    doc = json.loads(path.read_text())
    doc["tensors"]["layers.2.bias"] = ["zero"]
    path.write_text(json.dumps(doc))
    with pytest.raises(WeightsFileError, match=r"'layers.2.bias'.*not an array of numbers"):
        load(path)


def test_json_refuses_to_write_non_finite_weights(tmp_path):
    net = _net()
    net.weights[0][0, 0] = np.inf
    with pytest.raises(WeightsFileError, match=r"'layers.0.weight'.*NaN or Inf"):
        save(net, tmp_path / "w.json")
    assert not os.listdir(tmp_path)


def test_read_gives_spec_and_tensors_without_a_network(tmp_path):
    net = _net("three-class")
    save(net, tmp_path / "w.json")
    spec, tensors = read(tmp_path / "w.json")
    assert spec == net.spec
    assert all(t.dtype == np.float64 for t in tensors.values())


def test_load_into_imports_weights_when_shapes_fit(tmp_path):
    source = _net(seed=5)
    save(source, tmp_path / "w.npz")
    # same shapes, other activations: allowed
    spec = SPECS["binary"].replace(hidden=(LayerSpec(5, "relu"), LayerSpec(3, "sigmoid")))
    target = Network(spec, rng=6)
    assert load_into(target, tmp_path / "w.npz") is target
    np.testing.assert_array_equal(target.flat, source.flat)
    assert target.spec == spec


def test_load_into_names_the_first_mismatched_tensor(tmp_path):
    save(_net(), tmp_path / "w.npz")
    target = Network(SPECS["binary"].replace(hidden=(LayerSpec(5), LayerSpec(4))), rng=0)
    before = target.flat.copy()
    with pytest.raises(
        WeightsFileError, match=r"'layers.1.weight'.*shape \(3, 5\).*network's has shape \(4, 5\)"
    ):
        load_into(target, tmp_path / "w.npz")
    np.testing.assert_array_equal(target.flat, before)
    shallow = Network(SPECS["binary"].replace(hidden=(LayerSpec(5),)), rng=0)
    with pytest.raises(WeightsFileError, match=r"'layers.1.weight'"):
        load_into(shallow, tmp_path / "w.npz")


@pytest.fixture
def umask_027():
    """A distinctive umask, so the test tells it from mkstemp's 0o600 and from a fixed 0o644."""
    old = os.umask(0o027)
    yield 0o027
    os.umask(old)


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_a_saved_file_gets_the_usual_mode_of_a_new_file(tmp_path, umask_027, suffix):
    path = tmp_path / f"w{suffix}"
    save(_net(), path)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask_027


def test_saving_works_without_fchmod_as_on_windows(tmp_path, umask_027, monkeypatch):
    """Windows has no os.fchmod: the atomic write must not need it (mode and umask kept)."""
    monkeypatch.delattr(os, "fchmod", raising=False)
    path = tmp_path / "w.npz"
    save(_net(), path)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask_027
    assert [p.name for p in tmp_path.iterdir()] == ["w.npz"]


def test_saving_over_a_file_keeps_its_mode(tmp_path):
    path = tmp_path / "w.npz"
    save(_net(), path)
    path.chmod(0o604)
    save(_net(seed=4), path)
    assert path.stat().st_mode & 0o777 == 0o604


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_saving_to_a_symlink_updates_its_target_and_keeps_the_link(tmp_path, suffix):
    real = tmp_path / "store" / f"real{suffix}"
    real.parent.mkdir()
    save(_net(seed=1), real)
    link = tmp_path / f"link{suffix}"
    link.symlink_to(real)
    net = _net(seed=2)
    save(net, link)
    assert link.is_symlink() and link.resolve() == real
    X = _inputs(net)
    np.testing.assert_array_equal(load(real).predict(X), net.predict(X))
    assert sorted(os.listdir(real.parent)) == [real.name]  # no temporary left beside it


def test_a_fifo_is_refused_instead_of_blocking(tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    with pytest.raises(WeightsFileError, match="not a regular file"):
        load(fifo)


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (
            "renamed.npz",
            "layer,weight\n1,2\n",
            "not a readable .npz archive (a NumPy zip file): it holds text",
        ),
        ("empty.npz", "", "not a readable .npz archive (a NumPy zip file): it is empty"),
    ],
)
def test_files_that_are_not_weights_are_described_as_what_they_are(tmp_path, name, content, needle):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(WeightsFileError) as info:
        load(path)
    assert needle in str(info.value) and str(path) in str(info.value)
    assert "pickle" not in str(info.value)


def test_a_spec_entry_nested_too_deeply_is_refused(tmp_path):
    path = tmp_path / "deep-spec.npz"
    spec = "[" * 100_000 + "]" * 100_000
    np.savez(path, format=np.array(WEIGHTS_FORMAT), version=np.array(1), spec=np.array(spec))
    with pytest.raises(WeightsFileError, match="nested too deeply"):
        load(path)


# -- compute precision -----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_a_float32_network_loads_back_in_float32_bit_exactly(tmp_path, suffix):
    net = _net().copy("float32")
    path = tmp_path / f"w{suffix}"
    save(net, path)
    back = load(path)
    assert back.dtype == np.float32 and back.flat.dtype == np.float32
    assert back.flat.tobytes() == net.flat.tobytes()
    X = _inputs(net)
    p = back.predict(X)
    assert p.dtype == np.float32
    assert p.tobytes() == net.predict(X).tobytes()
    assert read(path)[1]["layers.0.weight"].dtype == np.float64  # read() stays float64


def test_the_npz_stores_float32_tensors_and_names_the_dtype(tmp_path):
    path = tmp_path / "w.npz"
    save(_net().copy("float32"), path)
    z = _npz_contents(path)
    assert str(z["dtype"]) == "float32"
    assert z["layers.0.weight"].dtype == np.float32


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_a_version_1_file_without_dtype_loads_as_float64(tmp_path, suffix):
    net = _net()
    path = tmp_path / f"w{suffix}"
    save(net, path)
    if suffix == ".npz":
        z = _npz_contents(path)
        del z["dtype"]
        z["version"] = np.array(1)
        np.savez(path, **z)
    else:
        doc = json.loads(path.read_text())
        del doc["dtype"]
        doc["version"] = 1
        path.write_text(json.dumps(doc))
    back = load(path)
    assert back.dtype == np.float64
    assert back.flat.tobytes() == net.flat.tobytes()


def test_an_unknown_dtype_is_refused_naming_the_choices(tmp_path):
    path = tmp_path / "w.json"
    save(_net(), path)
    doc = json.loads(path.read_text())
    doc["dtype"] = "float16"
    path.write_text(json.dumps(doc))
    with pytest.raises(WeightsFileError, match=r"dtype.*float64, float32.*float16"):
        load(path)


def test_weights_beyond_float32_are_refused_by_a_float32_network():
    net = _net().copy("float32")
    state = net.state_dict()
    state["layers.0.bias"] = np.full(state["layers.0.bias"].shape, 1e39)
    before = net.flat.copy()
    with pytest.raises(WeightsFileError, match=r"layers\.0\.bias.*range of float32"):
        net.load_state_dict(state)
    assert net.flat.tobytes() == before.tobytes()
