"""A network is a list of layer objects; everything walks that list."""

import numpy as np
import pytest

from engine.errors import SpecError
from engine.gradcheck import gradcheck
from engine.layers import LAYER_KINDS, Dense, TensorDecl, build_layers, state_of
from engine.network import Network
from engine.spec import LayerSpec, NetworkSpec
from engine.unit_maps import UnitMaps
from engine.weights_io import load, save

SPEC = NetworkSpec(hidden=(LayerSpec(5, "relu"), LayerSpec(3, "tanh")))


def test_layers_own_their_tensors_in_the_flat_vector():
    net = Network(SPEC, rng=1)
    assert [layer.kind for layer in net.layers] == ["dense"] * 3
    assert [layer.describe() for layer in net.layers] == [
        "dense 5 (relu)",
        "dense 3 (tanh)",
        "dense 1 (logits)",
    ]
    assert net.tensor_names == tuple(k for layer in net.layers for k in layer.file_keys())
    for layer in net.layers:
        for name, view in layer.params.items():
            assert np.shares_memory(view, net.flat)
            assert np.shares_memory(layer.grads[name], net.flat_grad)
    assert net.decay_mask.sum() == sum(W.size for W in net.weights)  # weights, not biases


def test_state_of_snapshot_pairs_equals_the_state_dict_and_names_bad_layers_from_1():
    net = Network(SPEC, rng=2)
    pairs = [(W.copy(), b.copy()) for W, b in zip(net.weights, net.biases, strict=True)]
    state = state_of(SPEC, pairs)
    assert list(state) == list(net.state_dict())
    assert all(np.array_equal(state[k], v) for k, v in net.state_dict().items())
    pairs[1] = (pairs[1][0][:, :2], pairs[1][1])
    with pytest.raises(SpecError, match=r"weight of layer 2 has shape \(3, 2\)"):
        state_of(SPEC, pairs)


def test_each_layer_evaluates_to_the_networks_logits_bit_for_bit():
    net = Network(SPEC, rng=3)
    X = np.random.default_rng(0).uniform(-1, 1, size=(50, 2))
    a = net.features(X)
    for layer in build_layers(SPEC):
        a = layer.evaluate(a, net.layers[layer.index].params)
    assert np.array_equal(a, net.logits(X))


def test_unknown_and_duplicate_kinds_are_refused():
    with pytest.raises(SpecError, match=r"layer kind 'conv'.*expected one of dense"):
        LayerSpec(4, kind="conv")
    with pytest.raises(ValueError, match="already registered"):
        LAYER_KINDS.register("dense", Dense)


class _Shifted(Dense):
    """A throwaway kind: dense plus a stored, untrained shift (a buffer, like running stats)."""

    kind = "shifted"

    def tensors(self):
        return (*super().tensors(), TensorDecl("shift", (self.n_out,), trainable=False))

    def initialise(self, rng, init):
        super().initialise(rng, init)
        self.params["shift"][...] = 0.25

    def forward(self, a, buf):
        buf.input = a
        np.dot(a, self.weight_T, out=buf.z)
        buf.z += self.bias
        buf.z += self.params["shift"]
        return buf.z if self._activate is None else self._activate(buf.z, buf.a)

    def evaluate(self, a, params, out=None):
        z = a @ params["weight"].T + params["bias"] + params["shift"]
        return self.activation.forward(z, z)


def test_a_new_kind_is_local_to_its_class(monkeypatch, tmp_path):
    monkeypatch.setitem(LAYER_KINDS._items, "shifted", _Shifted)
    spec = NetworkSpec(hidden=(LayerSpec(4, "tanh", kind="shifted"), LayerSpec(3, "sigmoid")))
    net = Network(spec, rng=5)
    assert "layers.0.shift" in net.tensor_names
    X = np.random.default_rng(1).uniform(-1, 1, size=(12, 2))
    y = (X[:, 0] > 0).astype(np.int64)
    check = gradcheck(net, X, y)  # backward is the dense one: the shift is a constant
    assert check.passed() and "layers.0.shift" not in [t.name for t in check.tensors]
    path = tmp_path / "w.npz"
    save(net, path)
    again = load(path)
    assert np.array_equal(again.predict(X), net.predict(X))
    maps = UnitMaps(((-1, 1), (-1, 1)), 2, resolution=4)
    tensors = [layer.params for layer in net.layers]
    last = maps.compute(spec, tensors)[-1].reshape(1, -1).T
    assert np.allclose(last, net.logits(maps.points), rtol=1e-12, atol=1e-12)


def test_inspector_and_snapshots_find_weights_by_name_in_a_kind_with_more_tensors(monkeypatch):
    from engine.backprop_phases import explain_weight, inspect_step
    from engine.spec import TrainConfig
    from engine.trainer import Trainer
    from tests.engine.test_trainer import spirals

    monkeypatch.setitem(LAYER_KINDS._items, "shifted", _Shifted)
    spec = NetworkSpec(hidden=(LayerSpec(4, "tanh", kind="shifted"), LayerSpec(3)))
    trainer = Trainer(spec, TrainConfig(optimizer="sgd"), spirals(40))
    rec = inspect_step(trainer)
    assert [W.shape for W in rec.old_W] == [(4, 2), (3, 4), (1, 3)]
    assert [b.shape for b in rec.old_b] == [(4,), (3,), (1,)]
    e = explain_weight(rec, 1, 2, 3)  # layer 1 starts after layer 0's three tensors
    assert e.weight == rec.old_W[1][2, 3] and e.update == e.applied
    tensors = trainer.network.layer_tensors()
    assert [len(t) for t in tensors] == [3, 2, 2]
    assert set(state_of(spec, tensors)) == set(trainer.network.tensor_names)
    stats = trainer.layer_stats()
    assert stats[1].weight_grad_norm == pytest.approx(np.linalg.norm(rec.grad_W[1]))
