"""The inspector's batch-norm and residual views agree with what backprop computed."""

from __future__ import annotations

import numpy as np
import pytest

from engine.backprop_phases import inspect_step
from engine.deep_phases import batch_norm_view, residual_view
from engine.errors import SpecError
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from engine.trainer import Trainer
from tests.engine.test_trainer import spirals

SPEC = NetworkSpec(
    hidden=(
        LayerSpec(5, "tanh"),
        LayerSpec(5, "tanh", batch_norm=True, residual=True),
        LayerSpec(4, "relu", batch_norm=True, residual=True),  # projected: 5 -> 4
        LayerSpec(4, "sigmoid", batch_norm=True),
    )
)


@pytest.fixture(scope="module")
def step():
    t = Trainer(SPEC, TrainConfig(batch_size=12, seed=3), spirals(60, seed=2))
    for _ in range(3):
        t.step()
    return inspect_step(t)


@pytest.mark.parametrize(("layer", "unit"), [(1, 0), (1, 4), (2, 2), (3, 3)])
def test_batch_norms_recomputed_backward_is_backprops_delta(step, layer, unit):
    v = batch_norm_view(step, SPEC, layer, unit)
    assert v.batch_stats and v.z.shape == (step.batch_size,)
    assert abs(v.xhat.mean()) < 1e-9 and v.xhat.var() == pytest.approx(v.var / (v.var + 1e-5))
    np.testing.assert_allclose(v.y, v.gamma * v.xhat + v.beta)
    np.testing.assert_allclose(v.dz, v.delta, rtol=1e-9, atol=1e-14)
    assert v.dbeta == pytest.approx(v.dy.sum())


def test_the_two_paths_of_a_residual_layer_add_up_to_the_gradient_below(step):
    """Layer 1 (index 0, plain tanh) receives layer 2's input gradient: its delta is it * tanh'."""
    v = residual_view(step, SPEC, 1, 3)
    assert not v.projected
    assert np.abs(v.through_shortcut).max() > 0 and np.abs(v.through_layer).max() > 0
    tanh_slope = 1.0 - np.tanh(step.z[0][:, 3]) ** 2
    np.testing.assert_allclose(v.total * tanh_slope, step.deltas[0][:, 3], rtol=1e-9, atol=1e-14)
    projected = residual_view(step, SPEC, 2, 1)
    assert projected.projected


def test_layers_without_the_flag_are_refused_by_name(step):
    with pytest.raises(SpecError, match="Layer 1 has no batch normalisation"):
        batch_norm_view(step, SPEC, 0, 0)
    with pytest.raises(SpecError, match="Layer 4 has no residual connection"):
        residual_view(step, SPEC, 3, 0)
