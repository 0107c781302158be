"""Residual connections and batch normalisation (issue 14): grammar, maths, files, exports."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from engine.data import Data
from engine.errors import SpecError
from engine.gradcheck import gradcheck
from engine.layers.batch_norm import EPS
from engine.network import Network
from engine.onnx_export import export_onnx
from engine.script_export import export_numpy_script
from engine.spec import ACTIVATIONS, MAX_HIDDEN_LAYERS, LayerSpec, NetworkSpec, TrainConfig
from engine.trainer import Trainer
from engine.weights_io import load, save

FLAGGED = "5:{a}:res,4:{a}:bn+res,4:{a}:bn,4:{a}:res"  # projection, both, bn alone, identity


def _spec(text: str, **fields) -> NetworkSpec:
    return NetworkSpec(hidden=tuple(LayerSpec.parse(t) for t in text.split(",")), **fields)


def _random(net: Network, seed: int = 1) -> Network:
    """Random tensors everywhere, running variances kept positive."""
    net.flat[:] = np.random.default_rng(seed).normal(0.0, 0.8, net.flat.size)
    for name, view in zip(net.tensor_names, net._tensors, strict=True):
        if name.endswith("running_var"):
            view[...] = np.abs(view) + 0.3
    return net


def _batch(n: int = 9, seed: int = 0):
    X = np.random.default_rng(seed).normal(size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(np.int64)


# ---- the --layers grammar and the spec -------------------------------------------------


def test_layer_text_reads_the_flags_and_writes_them_back():
    assert LayerSpec.parse("16:relu:bn+res") == LayerSpec(
        16, "relu", batch_norm=True, residual=True
    )
    assert LayerSpec.parse("16:relu:res+bn") == LayerSpec(
        16, "relu", batch_norm=True, residual=True
    )
    assert LayerSpec.parse("8:tanh:bn").batch_norm and not LayerSpec.parse("8:tanh:bn").residual
    assert LayerSpec.parse("8:tanh") == LayerSpec(8, "tanh")
    for text in ("16:relu:bn+res", "8:tanh:res", "8:tanh:bn", "8:tanh"):
        assert LayerSpec.parse(text).to_text() == text


def test_an_unknown_flag_is_refused_naming_it():
    with pytest.raises(SpecError, match=r"unknown flag 'dropout'.*bn or res"):
        LayerSpec.parse("8:tanh:dropout")
    with pytest.raises(SpecError, match=r"residual.*true or false"):
        LayerSpec(8, residual="yes")


def test_flags_round_trip_through_the_spec_dict():
    spec = _spec("16:relu,16:relu:bn+res,16:relu:res")
    doc = json.loads(json.dumps(spec.to_dict()))
    assert NetworkSpec.from_dict(doc) == spec
    assert [h["batch_norm"] for h in doc["hidden"]] == [False, True, False]


def test_a_thirty_layer_residual_network_can_be_built():
    assert MAX_HIDDEN_LAYERS >= 32
    spec = _spec(",".join(["16:relu:res"] * 30))
    net = Network(spec)
    assert len(net.layers) == 31


def test_weights_file_keys_are_pytorchs_names():
    net = Network(_spec("5:relu:bn+res,5:relu"))
    assert net.tensor_names[:7] == (
        "layers.0.weight",
        "layers.0.bias",
        "layers.0.bn.weight",
        "layers.0.bn.bias",
        "layers.0.bn.running_mean",
        "layers.0.bn.running_var",
        "layers.0.shortcut.weight",
    )
    assert net.state_dict()["layers.0.shortcut.weight"].shape == (5, 2)  # (out, in)
    bn = net.layers[0].bn
    assert np.all(bn.gamma == 1) and np.all(bn.running_var == 1) and np.all(bn.beta == 0)


# ---- gradients ---------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_flag_passes_gradcheck_with_every_activation(activation):
    net = _random(Network(_spec(FLAGGED.format(a=activation)), rng=0))
    net.flat *= 0.6
    X, y = _batch()
    result = gradcheck(net, X, y)
    assert result.passed(), result.summary()
    names = {t.name for t in result.tensors}
    assert "layers.1.bn.weight" in names and "layers.0.shortcut.weight" in names
    assert "layers.1.bn.running_mean" not in names  # buffers have no gradient


def test_gradcheck_passes_with_dropout_after_the_sum():
    net = _random(Network(_spec("4:tanh:bn+res,4:tanh:res"), rng=0))
    X, y = _batch()
    result = gradcheck(net, X, y, dropout=(0.3, 0.3), rng=np.random.default_rng(4))
    assert result.passed(), result.summary()


def test_a_batch_of_one_uses_the_running_statistics_and_leaves_them():
    net = _random(Network(_spec("4:tanh:bn,3:relu:bn+res"), rng=0))
    X, y = _batch(1)
    before = net.state_dict()
    logits = net.forward(net.features(X)).copy()
    net.backward(net.objective.grad(logits, y))
    after = net.state_dict()
    assert np.array_equal(logits, net.logits(X))  # evaluation's numbers exactly
    for name in before:
        if "running" in name:
            assert np.array_equal(before[name], after[name]), name
    assert gradcheck(net, X, y).passed()


def test_training_updates_running_statistics_as_pytorch_describes():
    net = _random(Network(_spec("3:tanh:bn"), rng=0))
    X, y = _batch(6)
    mean0 = net.layers[0].bn.running_mean.copy()
    var0 = net.layers[0].bn.running_var.copy()
    logits = net.forward(net.features(X)).copy()
    net.backward(net.objective.grad(logits, y))
    z = net.pre[0]
    bn = net.layers[0].bn
    np.testing.assert_allclose(bn.running_mean, 0.9 * mean0 + 0.1 * z.mean(0), rtol=1e-14)
    np.testing.assert_allclose(bn.running_var, 0.9 * var0 + 0.1 * z.var(0, ddof=1), rtol=1e-14)
    # the training forward normalised by the batch statistics (biased variance)
    xhat = (z - z.mean(0)) / np.sqrt(z.var(0) + EPS)
    expected = np.tanh(xhat * bn.gamma + bn.beta)
    np.testing.assert_allclose(net.post[0], expected, rtol=1e-12, atol=1e-14)
    # evaluation normalises by the running statistics instead
    F = net.features(X)
    zr = F @ net.weights[0].T + net.biases[0]
    ev = np.tanh((zr - bn.running_mean) / np.sqrt(bn.running_var + EPS) * bn.gamma + bn.beta)
    np.testing.assert_allclose(net.logits(X), ev @ net.weights[1].T + net.biases[1], rtol=1e-12)


def test_a_last_minibatch_of_one_trains_and_continues_bit_for_bit():
    X, y = _batch(17)
    data = Data.from_arrays(X, y, task="classification", n_classes=2)
    spec = _spec("6:relu:bn+res,6:tanh:bn")
    config = TrainConfig(batch_size=8, optimizer="sgd", lr=0.1, l2=0.01, seed=3)
    a = Trainer(spec, config, data)
    for _ in range(3):  # batches of 8, 8 and 1
        a.step()
    b = Trainer(spec, config, data)
    b.load_state_dict(a.state_dict())
    for _ in range(4):
        a.step()
        b.step()
    assert np.array_equal(a.network.flat, b.network.flat)
    bn = a.network.layers[0].bn
    assert not np.array_equal(bn.running_mean, 0)  # the buffers moved (not decayed to 0)


def test_buffers_are_not_moved_by_the_optimizer_or_decay():
    X, y = _batch(10)
    data = Data.from_arrays(X, y, task="classification", n_classes=2)
    trainer = Trainer(
        _spec("4:tanh:bn"), TrainConfig(batch_size=1, optimizer="adamw", l2=0.5), data
    )
    trainer.step()  # a batch of one: the running statistics stay exactly as they were
    bn = trainer.network.layers[0].bn
    assert np.array_equal(bn.running_mean, np.zeros(4))
    assert np.array_equal(bn.running_var, np.ones(4))


# ---- files and exports -------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_weights_files_carry_the_extra_tensors_bit_for_bit(tmp_path, suffix):
    net = _random(Network(_spec("5:relu:bn+res,5:tanh:res,3:gelu:bn"), rng=0))
    path = tmp_path / f"w{suffix}"
    save(net, path)
    back = load(path)
    assert back.spec == net.spec
    assert np.array_equal(back.flat, net.flat)
    X, _ = _batch(30)
    assert np.array_equal(back.predict(X), net.predict(X))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_numpy_script_is_bit_identical(tmp_path, activation):
    net = _random(Network(_spec(FLAGGED.format(a=activation)), rng=0))
    path = export_numpy_script(net, tmp_path / f"deep_{activation}.py")
    module_spec = importlib.util.spec_from_file_location(f"deep_{activation}", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    X, _ = _batch(50)
    assert np.array_equal(module.predict(X), net.predict(X))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_onnx_matches_predict(tmp_path, activation):
    net = _random(Network(_spec(FLAGGED.format(a=activation), n_classes=3, loss="ce"), rng=0))
    path = export_onnx(net, tmp_path / "deep.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    X, _ = _batch(40)
    out = session.run(["output"], {"input": X.astype(np.float32)})[0]
    np.testing.assert_allclose(out, net.predict(X), rtol=1e-6, atol=1e-5)
    described = onnx.load(str(path)).doc_string
    assert f"5 {activation} +res -> 4 {activation} +bn +res" in described


# ---- the backprop inspector --------------------------------------------------------------


def test_the_inspector_records_deep_steps_including_a_single_example():
    from engine.backprop_phases import inspect_step

    X, y = _batch(40)
    data = Data.from_arrays(X, y, task="classification", n_classes=2)
    spec = _spec("6:relu:bn+res,6:tanh:bn,6:tanh:res")
    config = TrainConfig(optimizer="sgd", lr=0.1, l2=0.01, batch_size=16, seed=2)
    a, b = Trainer(spec, config, data), Trainer(spec, config, data)
    rec = inspect_step(a)
    b.step()
    assert np.array_equal(a.network.flat, b.network.flat)
    # the recorded norm is the norm of what the optimizer received (no clipping here)
    assert rec.grad_norm == pytest.approx(np.linalg.norm(b.network.flat_grad), rel=1e-12)
    rec = inspect_step(a, row=3)  # batch of one: running statistics, as documented
    b.step_rows(np.array([3]))
    assert np.array_equal(a.network.flat, b.network.flat)
    assert rec.batch_size == 1 and np.all(np.isfinite(rec.final_grad_W[0]))


@pytest.mark.parametrize(
    ("name", "quantity"),
    [("layers.1.weight", "weight update"), ("layers.0.bn.bias", "bn.bias update")],
)
def test_divergence_names_the_layer_and_tensor_past_batch_norm_tensors(name, quantity):
    from engine.errors import DivergenceError

    X, y = _batch(12)
    data = Data.from_arrays(X, y, task="classification", n_classes=2)
    trainer = Trainer(_spec("4:tanh:bn,3:tanh"), TrainConfig(optimizer="sgd"), data)
    net = trainer.network
    compute = trainer.optimizer.compute

    def broken(params, grads):  # an update with a NaN in one tensor
        upd = compute(params, grads)
        upd[net.offsets[net.tensor_names.index(name)]] = np.nan
        return upd

    trainer.optimizer.compute = broken
    before = net.flat.copy()
    with pytest.raises(DivergenceError) as caught:
        trainer.step()
    assert (caught.value.layer, caught.value.quantity) == (int(name[7]), quantity)
    trained = np.concatenate(
        [np.full(v.size, t) for v, t in zip(net._tensors, net.tensor_trainable, strict=True)]
    )
    assert np.array_equal(net.flat[trained], before[trained])  # the trained tensors were kept


# ---- the runner's pictures ---------------------------------------------------------------


def test_runner_unit_maps_and_boundary_use_the_running_statistics():
    from engine.layers import state_of
    from engine.runner import Runner
    from engine.unit_maps import UnitMaps
    from tests.engine.test_runner import reason, wait_for
    from tests.engine.test_trainer import spirals

    data = spirals(80, seed=2)
    spec = _spec("6:relu:bn+res,5:tanh:bn,5:tanh:res")
    config = TrainConfig(optimizer="sgd", lr=0.05, batch_size=10, epochs=10**6)
    with Runner(spec, config, data, grid_size=8) as runner:
        wait_for(runner, reason("reset"))
        runner.step(5)
        snap = wait_for(runner, reason("step"))
    assert snap.state == "paused" and snap.unit_maps is not None
    net = Network(spec)
    net.load_state_dict(state_of(spec, snap.weights))
    assert not np.array_equal(net.layers[0].bn.running_mean, 0)  # trained statistics
    maps = UnitMaps(data.bounds, 2, snap.unit_maps.columns[0].shape[-1])
    logits = net.logits(maps.points).reshape(maps.shape)
    np.testing.assert_allclose(snap.unit_maps.columns[-1][0], logits, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(
        snap.view.values[..., 0],
        net.predict(
            np.column_stack(
                [
                    np.tile(snap.view.xs, len(snap.view.ys)),
                    np.repeat(snap.view.ys, len(snap.view.xs)),
                ]
            )
        )[:, 0].reshape(len(snap.view.ys), -1),
        rtol=1e-12,
    )
