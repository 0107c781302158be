"""Initialisers: shapes, reproducibility and the variances the papers prescribe."""

import math

import numpy as np
import pytest

from engine.initializers import INITIALIZERS
from engine.spec import INITIALIZERS as SPEC_INITIALIZERS

FAN_IN, FAN_OUT = 300, 500  # 150,000 draws: sample variances within about 1% of the truth

# name -> (variance, bound or None for unbounded)
THEORY = {
    "xavier_uniform": (2.0 / (FAN_IN + FAN_OUT), math.sqrt(6.0 / (FAN_IN + FAN_OUT))),
    "xavier_normal": (2.0 / (FAN_IN + FAN_OUT), None),
    "he_uniform": (2.0 / FAN_IN, math.sqrt(6.0 / FAN_IN)),
    "he_normal": (2.0 / FAN_IN, None),
    "lecun_normal": (1.0 / FAN_IN, None),
    "small_uniform": (1.0 / 12.0, 0.5),
}


def test_registry_holds_every_spec_name():
    assert INITIALIZERS.names() == list(SPEC_INITIALIZERS)


@pytest.mark.parametrize("name", sorted(THEORY))
def test_variance_mean_and_bounds_follow_theory(name):
    w = INITIALIZERS.get(name)(np.random.default_rng(0), FAN_IN, FAN_OUT)
    assert w.shape == (FAN_OUT, FAN_IN)
    assert w.dtype == np.float64
    variance, bound = THEORY[name]
    assert w.var() == pytest.approx(variance, rel=0.03)
    assert abs(w.mean()) < 4.0 * math.sqrt(variance / w.size)
    if bound is not None:
        assert np.abs(w).max() <= bound
        assert np.abs(w).max() > 0.99 * bound  # really uniform over the whole interval
    else:
        # normal, not truncated: about 0.27% of draws lie beyond 3 standard deviations
        beyond = np.mean(np.abs(w) > 3.0 * math.sqrt(variance))
        assert 0.0015 < beyond < 0.004


def test_zeros_is_zeros_and_draws_nothing():
    rng = np.random.default_rng(0)
    before = rng.bit_generator.state
    w = INITIALIZERS.get("zeros")(rng, 4, 3)
    assert w.shape == (3, 4)
    assert not np.any(w)
    assert rng.bit_generator.state == before


@pytest.mark.parametrize("name", sorted(THEORY))
def test_same_generator_state_gives_same_weights(name):
    fn = INITIALIZERS.get(name)
    a = fn(np.random.default_rng(7), 3, 5)
    b = fn(np.random.default_rng(7), 3, 5)
    c = fn(np.random.default_rng(8), 3, 5)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
