"""The L1/L2 terms: one function, used by the trainer's step and by the inspector."""

from __future__ import annotations

import numpy as np

import engine.backprop_phases
import engine.penalties
import engine.trainer
from engine.penalties import add_penalties, penalty_strengths
from engine.spec import TrainConfig


def test_the_trainer_and_the_inspector_use_the_one_penalty_function():
    for module in (engine.trainer, engine.backprop_phases):
        assert module.add_penalties is engine.penalties.add_penalties
        assert module.penalty_strengths is engine.penalties.penalty_strengths


def test_penalties_act_on_masked_weights_only_and_not_as_l2_under_decoupled_decay():
    flat = np.array([0.5, -2.0, 3.0, -0.25])
    mask = np.array([1.0, 1.0, 0.0, 1.0])  # the third entry is a bias
    g = np.zeros(4)
    l1, l2 = penalty_strengths(TrainConfig(optimizer="sgd", l1=0.1, l2=0.01))
    add_penalties(g, flat, mask, l1, l2, np.empty(4))
    np.testing.assert_allclose(g, [0.105, -0.12, 0.0, -0.1025], rtol=1e-15)
    assert penalty_strengths(TrainConfig(optimizer="adamw", l1=0.1, l2=0.01)) == (0.1, 0.0)
