"""Backprop against central differences for every activation x loss x initialiser."""

import itertools

import numpy as np
import pytest

from engine.activations import ACTIVATIONS, Tanh
from engine.gradcheck import DEFAULT_TOLERANCE, gradcheck, relative_errors
from engine.network import Network
from engine.spec import ACTIVATIONS as ACTIVATION_NAMES
from engine.spec import INITIALIZERS as INITIALIZER_NAMES
from engine.spec import LayerSpec, NetworkSpec

# loss/task pairs: each loss on the tasks it serves
TASKS = {
    "bce-binary": dict(task="classification", n_classes=2, loss="bce"),
    "ce-3-classes": dict(task="classification", n_classes=3, loss="ce"),
}
for _loss in ("mse", "mae", "huber"):
    TASKS[f"{_loss}-regression"] = dict(task="regression", loss=_loss)
    TASKS[f"{_loss}-binary"] = dict(task="classification", n_classes=2, loss=_loss)
    TASKS[f"{_loss}-3-classes"] = dict(task="classification", n_classes=3, loss=_loss)

KINK_MARGIN = 1e-4  # a parameter step of eps = 1e-6 moves no z or residual this far


def _kink_margin(net: Network, X: np.ndarray, y: np.ndarray) -> float:
    """Distance of the batch from the nearest kink: relu-family z = 0, mae r = 0, huber |r| = 1."""
    logits = net.forward(net.features(X))
    margins = [np.inf]
    for k, layer in enumerate(net.spec.hidden):
        if ACTIVATIONS.get(layer.activation).kind == "relu":
            margins.append(np.abs(net.pre[k]).min())
    r = np.abs(net.objective.link(logits) - net.objective.targets(y))
    if net.objective.name == "mae":
        margins.append(r.min())
    if net.objective.name == "huber":
        margins.append(np.abs(r - 1.0).min())
    return float(min(margins))


def _checkable_case(spec: NetworkSpec, seed: int = 0):
    """A network and batch with no point within KINK_MARGIN of a kink.

    The first attempt keeps the initialiser's zero biases; later ones set random
    biases (with relu and zero or small weights, whole layers otherwise sit exactly
    on the kink) and draw new data.
    """
    for attempt in range(40):
        rng = np.random.default_rng([seed, attempt])
        net = Network(spec, rng)
        if attempt > 0:
            for b in net.biases:
                b[...] = rng.normal(0.0, 0.5, size=b.shape)
        X = rng.uniform(-1.5, 1.5, size=(8, 2))
        if spec.task == "regression":
            y = rng.normal(0.0, 1.5, size=8)
        else:
            y = rng.integers(0, spec.n_classes, size=8)
        if _kink_margin(net, X, y) > KINK_MARGIN:
            return net, X, y
    raise AssertionError(f"no kink-free batch found for {spec}")


@pytest.mark.parametrize(
    ("activation", "init", "task"),
    list(itertools.product(ACTIVATION_NAMES, INITIALIZER_NAMES, sorted(TASKS))),
)
def test_backprop_matches_central_differences(activation, init, task):
    spec = NetworkSpec(
        features=("x1", "x2", "x1*x2"),
        hidden=(LayerSpec(5, activation, init), LayerSpec(4, activation, init)),
        output_init=init,
        **TASKS[task],
    )
    net, X, y = _checkable_case(spec)
    result = gradcheck(net, X, y)
    assert result.passed(DEFAULT_TOLERANCE), result.summary()


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu"])
def test_backprop_with_dropout_matches_central_differences(activation):
    spec = NetworkSpec(
        hidden=(LayerSpec(6, activation), LayerSpec(6, activation)),
        task="classification",
        n_classes=3,
    )
    net, X, y = _checkable_case(spec, seed=1)
    result = gradcheck(net, X, y, dropout=(0.3, 0.5), rng=np.random.default_rng(5))
    assert result.passed(), result.summary()
    # the masks really dropped something: the gradient differs from the one without dropout
    plain = gradcheck(net, X, y)
    assert not np.allclose(result.analytic, plain.analytic)


def test_parameters_are_restored_exactly_and_the_analytic_gradient_is_kept():
    net, X, y = _checkable_case(NetworkSpec(), seed=2)
    before = net.flat.copy()
    result = gradcheck(net, X, y)
    assert np.array_equal(net.flat, before)
    assert np.array_equal(net.flat_grad, result.analytic)
    assert [t.name for t in result.tensors] == list(net.tensor_names)
    assert result.loss == pytest.approx(net.objective.value(net.logits(X), y))
    assert "layers.2.bias" in result.summary()


class _WrongTanh(Tanh):
    """tanh whose derivative forgets the square: 1 - a instead of 1 - a^2."""

    def derivative(self, z, a, out, work=None):
        return np.subtract(1.0, a, out=out)


def test_a_wrong_derivative_is_caught_in_the_right_layers():
    net, X, y = _checkable_case(NetworkSpec(hidden=(LayerSpec(6), LayerSpec(6))), seed=3)
    net = net.copy()  # fresh buffers: their call plans pick up the patched activation
    net.layers[1].activation = _WrongTanh()  # only the second hidden layer is wrong
    result = gradcheck(net, X, y)
    assert not result.passed()
    by_name = {t.name: t for t in result.tensors}
    # layers after the broken derivative are still right; layers before it are wrong
    assert by_name["layers.2.weight"].passed() and by_name["layers.2.bias"].passed()
    assert by_name["layers.1.weight"].max_relative_error > 1e-2
    assert by_name["layers.0.weight"].max_relative_error > 1e-2
    assert result.worst().name in (
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "layers.1.bias",
    )


def test_relative_error_definition():
    a = np.array([1.0, 1e-9, 0.0, 2.0])
    n = np.array([1.0 + 1e-8, 2e-9, 0.0, -2.0])
    rel = relative_errors(a, n)
    assert rel[0] == pytest.approx(1e-8 / (2.0 + 1e-8))
    assert rel[1] == pytest.approx(1e-9 / 1e-3)  # tiny gradients: judged against the floor
    assert rel[2] == 0.0
    assert rel[3] == 1.0  # opposite signs: the largest possible error
    # a larger loss raises the floor in proportion (round-off grows with it)
    assert relative_errors(a, n, loss=10.0)[1] == pytest.approx(1e-9 / 1e-2)
