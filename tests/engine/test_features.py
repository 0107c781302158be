"""Input features: each column is the documented function of the raw inputs."""

import numpy as np
import pytest

from engine.errors import SpecError
from engine.features import FEATURE_FUNCS, FeatureMap, raw_inputs_used
from engine.spec import FEATURES, FEATURES_1D

X2 = np.random.default_rng(0).uniform(-2.0, 2.0, size=(20, 2))


def _expected(name: str, X: np.ndarray) -> np.ndarray:
    x1 = X[:, 0]
    x2 = X[:, 1] if X.shape[1] > 1 else None
    return {
        "x1": lambda: x1,
        "x2": lambda: x2,
        "x1^2": lambda: x1**2,
        "x2^2": lambda: x2**2,
        "x1*x2": lambda: x1 * x2,
        "sin(x1)": lambda: np.sin(x1),
        "sin(x2)": lambda: np.sin(x2),
    }[name]()


def test_registry_covers_the_public_feature_names():
    assert FEATURE_FUNCS.names() == list(FEATURES)


def test_every_2d_feature_in_a_chosen_order():
    names = ("sin(x2)", "x1*x2", "x1", "x2^2", "sin(x1)", "x1^2", "x2")
    F = FeatureMap(names, 2)(X2)
    assert F.shape == (20, 7) and F.dtype == np.float64
    for j, name in enumerate(names):
        np.testing.assert_allclose(F[:, j], _expected(name, X2), rtol=1e-15)


def test_1d_features_accept_a_plain_vector():
    x = np.linspace(-1.0, 1.0, 9)
    fm = FeatureMap(FEATURES_1D, 1)
    F = fm(x)
    assert F.shape == (9, 3)
    assert np.array_equal(F, fm(x[:, None]))
    for j, name in enumerate(FEATURES_1D):
        np.testing.assert_allclose(F[:, j], _expected(name, x[:, None]), rtol=1e-15)


def test_raw_inputs_of_wider_data():
    X = np.arange(12.0).reshape(3, 4)
    F = FeatureMap(("x4", "x2"), 4)(X)
    assert np.array_equal(F, X[:, [3, 1]])


def test_identity_map_returns_the_input_without_copying():
    X = np.ascontiguousarray(X2)
    fm = FeatureMap(("x1", "x2"), 2)
    assert fm.identity
    assert fm(X) is X
    out = np.empty((20, 2))
    assert fm(X, out=out) is out and np.array_equal(out, X)
    assert not FeatureMap(("x2", "x1"), 2).identity


def test_out_buffer_is_filled_in_place():
    fm = FeatureMap(("x1^2", "x1*x2"), 2)
    out = np.full((20, 2), np.nan)
    assert fm(X2, out=out) is out
    assert np.array_equal(out, fm(X2))


def test_bad_inputs_and_names_are_refused_with_reasons():
    fm = FeatureMap(("x1", "x2"), 2)
    with pytest.raises(SpecError, match=r"shape \(20, 3\), expected \(n, 2\)"):
        fm(np.zeros((20, 3)))
    with pytest.raises(SpecError, match=r"expected \(n, 2\)"):
        fm(np.zeros(5))
    with pytest.raises(SpecError, match=r"Could not interpret feature 'x1\^3'"):
        FeatureMap(("x1^3",), 2)
    with pytest.raises(SpecError, match="needs more raw inputs"):
        FeatureMap(("x1*x2",), 1)
    with pytest.raises(SpecError, match="at least one"):
        FeatureMap((), 2)


def test_raw_inputs_used():
    assert raw_inputs_used("x1*x2") == (0, 1)
    assert raw_inputs_used("sin(x2)") == (1,)
    assert raw_inputs_used("x12") == (11,)
