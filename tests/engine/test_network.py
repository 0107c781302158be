"""Network: flat layout, forward against a plain loop, dropout, buffers, state dicts."""

import itertools

import numpy as np
import pytest

from engine.errors import SpecError, WeightsFileError
from engine.initializers import INITIALIZERS
from engine.network import Network
from engine.spec import LayerSpec, NetworkSpec

SPEC = NetworkSpec(
    features=("x1", "x2", "x1*x2", "sin(x1)"),
    hidden=(LayerSpec(8, "tanh"), LayerSpec(6, "relu", init="he_normal"), LayerSpec(5, "sigmoid")),
    task="classification",
    n_classes=3,
    output_init="lecun_normal",
)
X = np.random.default_rng(1).uniform(-1.0, 1.0, size=(10, 2))

SIMPLE = {
    "tanh": np.tanh,
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "linear": lambda z: z,
}


def _reference_logits(net: Network, X: np.ndarray) -> np.ndarray:
    x1, x2 = X[:, 0], X[:, 1]
    a = np.stack([x1, x2, x1 * x2, np.sin(x1)], axis=1)
    acts = [h.activation for h in net.spec.hidden] + ["linear"]
    for k, name in enumerate(acts):
        sd = net.state_dict()
        a = SIMPLE[name](a @ sd[f"layers.{k}.weight"].T + sd[f"layers.{k}.bias"])
    return a


def test_flat_vector_layout():
    net = Network(SPEC, 0)
    sizes = [4, 8, 6, 5, 3]
    assert net.sizes == sizes and net.n_layers == 4
    counts = [n for i, o in itertools.pairwise(sizes) for n in (o * i, o)]
    assert net.flat.size == net.flat_grad.size == sum(counts) == net.size
    assert net.offsets.tolist() == np.concatenate([[0], np.cumsum(counts)[:-1]]).tolist()
    assert net.tensor_names[:3] == ("layers.0.weight", "layers.0.bias", "layers.1.weight")
    for k in range(net.n_layers):
        assert net.weights[k].shape == (sizes[k + 1], sizes[k])
        assert net.biases[k].shape == (sizes[k + 1],)
        for view, base in (
            (net.weights[k], net.flat),
            (net.biases[k], net.flat),
            (net.weight_grads[k], net.flat_grad),
            (net.bias_grads[k], net.flat_grad),
        ):
            assert view.base is base
        start = net.offsets[2 * k]
        assert np.shares_memory(net.weights[k], net.flat[start : start + 1])
    net.flat[net.offsets[2]] = 42.0  # first element of W1
    assert net.weights[1][0, 0] == 42.0
    # decay on weights only
    expected_mask = np.concatenate([np.full(n, i % 2 == 0) for i, n in enumerate(counts)])
    assert np.array_equal(net.decay_mask, expected_mask)


def test_init_draws_layer_by_layer_from_the_seed_and_zeroes_biases():
    net = Network(SPEC, 5)
    rng = np.random.default_rng(5)
    inits = ["xavier_uniform", "he_normal", "xavier_uniform", "lecun_normal"]
    for k, name in enumerate(inits):
        fan_out, fan_in = net.weights[k].shape
        assert np.array_equal(net.weights[k], INITIALIZERS.get(name)(rng, fan_in, fan_out))
        assert not np.any(net.biases[k])
    same = Network(SPEC, np.random.default_rng(5))
    assert np.array_equal(same.flat, net.flat)
    assert not np.array_equal(Network(SPEC, 6).flat, net.flat)
    with pytest.raises(SpecError, match="rng"):
        Network(SPEC, rng="seed")


def test_forward_and_predict_match_a_plain_loop():
    net = Network(SPEC, 0)
    net.biases[1][...] = np.linspace(-0.5, 0.5, 6)  # nonzero biases take part too
    expected = _reference_logits(net, X)
    logits = net.forward(net.features(X))
    np.testing.assert_allclose(logits, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(net.logits(X), expected, rtol=1e-12, atol=1e-14)
    e = np.exp(expected - expected.max(axis=1, keepdims=True))
    np.testing.assert_allclose(net.predict(X), e / e.sum(axis=1, keepdims=True), rtol=1e-12)
    # the caches hold what backward and the inspector need
    assert net.inputs[0] is not None and np.array_equal(net.inputs[0], net.features(X))
    for k in range(net.n_layers - 1):
        assert net.inputs[k + 1] is net.post[k]  # no dropout: the next layer reads a directly
    assert net.post[-1] is net.pre[-1] is logits


@pytest.mark.parametrize(
    ("task", "shape"),
    [(dict(n_classes=2), (7, 1)), (dict(n_classes=4), (7, 4)), (dict(task="regression"), (7, 1))],
)
def test_predict_shapes(task, shape):
    net = Network(NetworkSpec(**task), 0)
    p = net.predict(np.zeros((7, 2)) + 0.3)
    assert p.shape == shape
    if net.spec.task == "classification":
        assert np.all((p >= 0) & (p <= 1))
    if shape[1] > 1:
        np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_one_dimensional_inputs():
    spec = NetworkSpec(input_dim=1, features=("x1", "x1^2", "sin(x1)"), task="regression")
    net = Network(spec, 0)
    x = np.linspace(-1.0, 1.0, 5)
    assert np.array_equal(net.predict(x), net.predict(x[:, None]))
    with pytest.raises(SpecError, match=r"expected \(n, 1\)"):
        net.predict(np.zeros((5, 2)))


def test_backward_gives_the_mean_loss_gradient_of_a_plain_loop():
    """One hidden tanh layer, derived by hand: dW1 = d^T h, dW0 = ((d W1) * (1 - h^2))^T x."""
    spec = NetworkSpec(hidden=(LayerSpec(4, "tanh"),), task="regression")
    net = Network(spec, 3)
    y = np.random.default_rng(4).normal(size=10)
    logits = net.forward(net.features(X))
    net.backward(net.objective.grad(logits, y))
    W0, b0, W1, b1 = net.weights[0], net.biases[0], net.weights[1], net.biases[1]
    h = np.tanh(X @ W0.T + b0)
    d = 2.0 * ((h @ W1.T + b1) - y[:, None]) / len(y)
    dz = (d @ W1) * (1.0 - h**2)
    np.testing.assert_allclose(net.weight_grads[1], d.T @ h, rtol=1e-12)
    np.testing.assert_allclose(net.bias_grads[1], d.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(net.weight_grads[0], dz.T @ X, rtol=1e-12)
    np.testing.assert_allclose(net.bias_grads[0], dz.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(net.deltas[0], dz, rtol=1e-12)
    np.testing.assert_allclose(net.deltas[1], d, rtol=1e-12)


def test_buffers_are_reused_between_steps_of_the_same_batch_size():
    net = Network(SPEC, 0)
    y = np.arange(10) % 3
    F = net.features(X)
    flat, flat_grad = net.flat, net.flat_grad
    ids = None
    for _ in range(3):
        logits = net.forward(F, dropout=(0.2, 0.0, 0.5), rng=np.random.default_rng(0))
        net.backward(net.objective.grad(logits, y))
        net.flat -= 0.1 * net.flat_grad
        now = [id(a) for group in (net.pre, net.post, net.deltas[:-1], [logits]) for a in group]
        now.append(id(net.masks[0]))
        assert ids is None or now == ids
        ids = now
    assert net.flat is flat and net.flat_grad is flat_grad
    # another batch size gets its own buffers and leaves the first ones alone
    net.forward(F[:4])
    assert net.pre[0].shape == (4, 8)
    net.forward(F)
    assert [id(a) for a in net.pre] == ids[: len(net.pre)]


def test_backward_refuses_a_mismatched_gradient():
    net = Network(SPEC, 0)
    net.forward(net.features(X))
    with pytest.raises(SpecError, match="dlogits"):
        net.backward(np.zeros((10, 1)))
    with pytest.raises(SpecError, match=r"expected \(n, 4\)"):
        net.forward(X)


def test_predict_does_not_disturb_the_training_caches():
    net = Network(SPEC, 0)
    logits = net.forward(net.features(X))
    before = [a.copy() for a in (*net.pre, *net.post)]
    ids = [id(a) for a in (*net.pre, *net.post)]
    net.predict(np.random.default_rng(9).uniform(size=(10, 2)))
    net.logits(np.random.default_rng(9).uniform(size=(33, 2)))
    assert [id(a) for a in (*net.pre, *net.post)] == ids
    assert all(np.array_equal(a, b) for a, b in zip(before, (*net.pre, *net.post), strict=True))
    assert net.post[-1] is logits


def test_dropout_is_inverted_during_training_and_off_at_evaluation():
    spec = NetworkSpec(hidden=(LayerSpec(64, "relu"), LayerSpec(64, "tanh")), task="regression")
    net = Network(spec, 0)
    F = np.random.default_rng(2).uniform(-1.0, 1.0, size=(500, 2))
    clean = net.forward(F).copy()
    np.testing.assert_array_equal(net.logits(F), clean)  # evaluation never drops
    rate = 0.4
    dropped = net.forward(F, dropout=(rate, 0.0), rng=np.random.default_rng(3))
    mask = net.masks[0]
    assert net.masks[1] is None  # rate 0 means no mask
    assert set(np.unique(mask)) == {0.0, 1.0 / (1.0 - rate)}
    assert np.mean(mask == 0.0) == pytest.approx(rate, abs=0.01)
    np.testing.assert_array_equal(net.inputs[1], net.post[0] * mask)
    # inverted scaling keeps the expected input of the next layer unchanged
    kept_mean = net.inputs[1].mean(axis=0)
    np.testing.assert_allclose(kept_mean, net.post[0].mean(axis=0), rtol=0.25, atol=0.02)
    assert not np.allclose(dropped, clean)
    # the same generator state gives the same masks
    again = net.forward(F, dropout=(rate, 0.0), rng=np.random.default_rng(3))
    np.testing.assert_array_equal(again, dropped)


def test_dropout_arguments_are_checked():
    net = Network(SPEC, 0)
    F = net.features(X)
    with pytest.raises(SpecError, match="expected 3: one per hidden layer"):
        net.forward(F, dropout=(0.5,), rng=np.random.default_rng(0))
    with pytest.raises(SpecError, match=r"in \[0, 1\)"):
        net.forward(F, dropout=(1.0, 0.0, 0.0), rng=np.random.default_rng(0))
    with pytest.raises(SpecError, match="Generator"):
        net.forward(F, dropout=(0.5, 0.0, 0.0))


def test_state_dict_round_trip_is_bit_exact_and_copies():
    net = Network(SPEC, 0)
    net.flat[...] = np.random.default_rng(1).normal(size=net.size) * np.pi
    state = net.state_dict()
    assert list(state) == list(net.tensor_names)
    assert state["layers.2.weight"].shape == (5, 6) and state["layers.3.bias"].shape == (3,)
    state["layers.0.bias"][0] = 99.0  # a copy: the network is untouched
    assert net.biases[0][0] != 99.0
    state["layers.0.bias"][0] = net.biases[0][0]
    other = Network(SPEC, 7)
    flat_id = id(other.flat)
    other.load_state_dict(state)
    assert id(other.flat) == flat_id
    assert np.array_equal(other.flat, net.flat)
    assert np.array_equal(other.predict(X), net.predict(X))


def test_load_state_dict_refuses_bad_tensors_and_changes_nothing():
    net = Network(SPEC, 0)
    before = net.flat.copy()
    good = Network(SPEC, 1).state_dict()

    wrong_shape = dict(good, **{"layers.1.weight": np.zeros((4, 8))})
    with pytest.raises(
        WeightsFileError,
        match=r"^layers\.1\.weight has shape \(4, 8\) in the file but the network needs \(6, 8\)$",
    ):
        net.load_state_dict(wrong_shape)
    missing = {k: v for k, v in good.items() if k != "layers.3.bias"}
    with pytest.raises(WeightsFileError, match=r"layers\.3\.bias is missing.*\(3,\)"):
        net.load_state_dict(missing)
    with pytest.raises(WeightsFileError, match=r"Unknown tensor\(s\) layers\.9\.weight"):
        net.load_state_dict(dict(good, **{"layers.9.weight": np.zeros((1, 1))}))
    nan = dict(good, **{"layers.0.bias": np.full(8, np.nan)})
    with pytest.raises(WeightsFileError, match=r"layers\.0\.bias contains NaN"):
        net.load_state_dict(nan)
    assert np.array_equal(net.flat, before)


def test_copy_is_independent():
    net = Network(SPEC, 0)
    twin = net.copy()
    assert twin.spec == net.spec and np.array_equal(twin.flat, net.flat)
    twin.flat[0] += 1.0
    assert twin.flat[0] != net.flat[0]
    assert np.array_equal(twin.weights[0].ravel()[1:], net.weights[0].ravel()[1:])
    assert twin.weights[0].base is twin.flat


def test_predict_in_chunks_matches_the_reference_and_each_row_alone(monkeypatch):
    net = Network(SPEC, 3)
    X_big = np.random.default_rng(4).uniform(-1.0, 1.0, size=(50, 2))
    monkeypatch.setattr("engine.network.PREDICT_CHUNK", 16)  # 50 rows: chunks 16, 16, 16, 2
    logits = net.logits(X_big)
    assert logits.shape == (50, 3)
    assert np.allclose(logits, _reference_logits(net, X_big), rtol=1e-12, atol=1e-12)
    # rows do not depend on the rows they are batched with, as the grid view relies on
    assert np.array_equal(logits[14:20], net.logits(X_big[14:20]))
    assert net.logits(X_big[:0]).shape == (0, 3)


def test_activation_block_holds_every_layer_output_of_the_last_forward():
    net = Network(SPEC, 0)
    logits = net.forward(net.features(X))
    assert logits is net.post[-1]
    for k, a in enumerate(net.post):
        start = net.act_offsets[k]
        assert np.array_equal(net.act_block[start : start + a.size].reshape(a.shape), a)
        assert np.shares_memory(a, net.act_block)
