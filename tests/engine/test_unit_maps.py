"""Unit maps: each unit's output over the grid, checked against the engine's own forward."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import SpecError
from engine.network import Network
from engine.spec import LayerSpec, NetworkSpec
from engine.unit_maps import UnitMaps, layer_scales

BOUNDS = ((-1.0, 1.0), (-2.0, 2.0))


def _weights(net: Network):
    return tuple((W.copy(), b.copy()) for W, b in zip(net.weights, net.biases, strict=True))


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "swish", "gelu", "linear"])
def test_last_column_is_the_networks_logits(activation):
    spec = NetworkSpec(
        features=("x1", "x2", "x1*x2"), hidden=(LayerSpec(5, activation), LayerSpec(3, "elu"))
    )
    net = Network(spec, rng=np.random.default_rng(3))
    maps = UnitMaps(BOUNDS, 2, resolution=7)
    columns = maps.compute(spec, _weights(net))
    assert [c.shape for c in columns] == [(3, 7, 7), (5, 7, 7), (3, 7, 7), (1, 7, 7)]
    expected = net.logits(maps.points).reshape(7, 7)
    np.testing.assert_allclose(columns[-1][0], expected, rtol=1e-12, atol=1e-12)
    # orientation: row iy, column ix is the point (xs[ix], ys[iy]); feature 2 is x1*x2
    assert columns[0][2][4, 1] == pytest.approx(maps.xs[1] * maps.ys[4])


def test_hidden_unit_matches_a_hand_computed_tanh():
    spec = NetworkSpec(hidden=(LayerSpec(1, "tanh"),))
    W0, b0 = np.array([[2.0, -1.0]]), np.array([0.5])
    weights = ((W0, b0), (np.array([[1.0]]), np.array([0.0])))
    maps = UnitMaps(BOUNDS, 2, resolution=3)
    hidden = maps.compute(spec, weights)[1][0]
    x, y = maps.xs[2], maps.ys[0]
    assert hidden[0, 2] == pytest.approx(np.tanh(2 * x - y + 0.5))


def test_one_dimensional_maps_and_upto():
    spec = NetworkSpec(
        input_dim=1, features=("x1", "sin(x1)"), hidden=(LayerSpec(4),), task="regression"
    )
    net = Network(spec, rng=1)
    maps = UnitMaps(((-3.0, 3.0),), 1, resolution=10)
    columns = maps.compute(spec, _weights(net), upto=1)
    assert [c.shape for c in columns] == [(2, 1, 10), (4, 1, 10)]
    np.testing.assert_allclose(columns[0][1, 0], np.sin(maps.xs))


def test_bad_inputs_are_refused_with_messages():
    with pytest.raises(SpecError, match="1-D or 2-D"):
        UnitMaps(((0, 1),) * 3, 3)
    with pytest.raises(SpecError, match="resolution"):
        UnitMaps(BOUNDS, 2, resolution=1)
    maps = UnitMaps(BOUNDS, 2, resolution=4)
    spec = NetworkSpec(hidden=(LayerSpec(2),))
    with pytest.raises(SpecError, match="expected 2"):
        maps.compute(spec, ((np.zeros((2, 2)), np.zeros(2)),))
    with pytest.raises(SpecError, match="shape"):
        maps.compute(spec, ((np.zeros((3, 2)), np.zeros(3)), (np.zeros((1, 3)), np.zeros(1))))


def test_layer_scales_are_symmetric_and_at_least_one():
    cols = [np.array([[[0.2, -0.5]]]), np.array([[[3.0, -4.0]]]), np.zeros((0, 1, 2))]
    assert layer_scales(cols) == [1.0, 4.0, 1.0]
