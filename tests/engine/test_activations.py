"""Activations: values against textbook formulas, derivatives against numerical ones."""

import math

import numpy as np
import pytest

from engine.activations import ACTIVATIONS
from engine.errors import SpecError
from engine.spec import ACTIVATIONS as SPEC_ACTIVATIONS


def _reference(name: str, z: np.ndarray) -> np.ndarray:
    """Straightforward definitions, written independently of engine/activations.py."""
    if name == "linear":
        return z.copy()
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z)
    if name == "elu":
        return np.where(z > 0, z, np.exp(z) - 1.0)
    if name == "tanh":
        return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "softplus":
        return np.log(1.0 + np.exp(z))
    if name == "gelu":
        return 0.5 * z * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (z + 0.044715 * z**3)))
    if name == "swish":
        return z / (1.0 + np.exp(-z))
    raise AssertionError(name)


KINKS = {"relu": 0.0, "leaky_relu": 0.0}


def _points(name: str) -> np.ndarray:
    """Moderate inputs where the textbook formulas are accurate, away from kinks."""
    z = np.random.default_rng(0).uniform(-6.0, 6.0, size=(50, 7))
    if name in KINKS:
        z[np.abs(z) < 1e-3] = 0.5
    return z


def test_registry_holds_every_spec_name_and_the_silu_alias():
    assert ACTIVATIONS.names() == list(SPEC_ACTIVATIONS)
    assert ACTIVATIONS.get("silu") is ACTIVATIONS.get("swish")
    for name in SPEC_ACTIVATIONS:
        assert ACTIVATIONS.get(name).name == name
    with pytest.raises(SpecError, match="Could not interpret activation 'sigmoidal'"):
        ACTIVATIONS.get("sigmoidal")


def test_kinds_drive_the_statistics():
    kinds = {name: ACTIVATIONS.get(name).kind for name in SPEC_ACTIVATIONS}
    assert {n for n, k in kinds.items() if k == "relu"} == {"relu", "leaky_relu"}
    assert {n for n, k in kinds.items() if k == "saturating"} == {"tanh", "sigmoid"}
    assert set(kinds.values()) == {"relu", "saturating", "other"}


@pytest.mark.parametrize("name", SPEC_ACTIVATIONS)
def test_forward_matches_the_textbook_formula(name):
    z = _points(name)
    out = np.empty_like(z)
    result = ACTIVATIONS.get(name).forward(z, out)
    assert result is out
    np.testing.assert_allclose(out, _reference(name, z), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", SPEC_ACTIVATIONS)
def test_forward_in_place_gives_the_same_numbers(name):
    z = _points(name) * 3.0
    expected = ACTIVATIONS.get(name).forward(z, np.empty_like(z))
    buf = z.copy()
    result = ACTIVATIONS.get(name).forward(buf, buf)
    assert result is buf
    assert np.array_equal(buf, expected)


@pytest.mark.parametrize("name", SPEC_ACTIVATIONS)
def test_derivative_matches_central_differences(name):
    act = ACTIVATIONS.get(name)
    z = _points(name)
    a = act(z)
    h = 1e-6
    numerical = (act(z + h) - act(z - h)) / ((z + h) - (z - h))
    analytic = act.derivative(z, a, np.empty_like(z))
    np.testing.assert_allclose(analytic, numerical, rtol=1e-7, atol=1e-9)
    # with a scratch buffer supplied the result is the same
    with_work = act.derivative(z, a, np.empty_like(z), np.empty_like(z))
    np.testing.assert_array_equal(with_work, analytic)


def test_pytorch_constants():
    z = np.array([-2.0, -1.0, 3.0])
    np.testing.assert_allclose(ACTIVATIONS.get("leaky_relu")(z), [-0.02, -0.01, 3.0], rtol=1e-15)
    # elu alpha = 1: saturates at -1
    assert ACTIVATIONS.get("elu")(np.array([-50.0]))[0] == pytest.approx(-1.0, abs=1e-15)
    # relu and leaky relu derivatives at and around the kink (PyTorch: 0 / slope at z = 0)
    zk = np.array([-1.0, 0.0, 1.0])
    relu, leaky = ACTIVATIONS.get("relu"), ACTIVATIONS.get("leaky_relu")
    assert relu.derivative(zk, relu(zk), np.empty(3)).tolist() == [0.0, 0.0, 1.0]
    assert leaky.derivative(zk, leaky(zk), np.empty(3)).tolist() == [0.01, 0.01, 1.0]


@pytest.mark.parametrize("name", SPEC_ACTIVATIONS)
def test_extreme_inputs_stay_finite_without_warnings(name):
    # pytest turns numpy's overflow RuntimeWarnings into errors, so this also checks none occur
    act = ACTIVATIONS.get(name)
    z = np.array([[-1000.0, -40.0, 0.0, 40.0, 1000.0]])
    a = act(z)
    d = act.derivative(z, a, np.empty_like(z), np.empty_like(z))
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(d))


def test_stable_values_in_the_tails():
    sig, soft = ACTIVATIONS.get("sigmoid"), ACTIVATIONS.get("softplus")
    assert sig(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]
    assert soft(np.array([1000.0]))[0] == 1000.0
    assert soft(np.array([-1000.0]))[0] == 0.0
    assert soft(np.array([-30.0]))[0] == pytest.approx(math.exp(-30.0), rel=1e-12)
    assert ACTIVATIONS.get("swish")(np.array([-1000.0]))[0] == 0.0
    assert ACTIVATIONS.get("gelu")(np.array([1000.0, -1000.0])).tolist() == [1000.0, 0.0]
