"""Weights set and frozen by hand (engine/hand_edits.py): exact values, frozen stays frozen."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from engine.errors import SpecError
from engine.hand_edits import HAND_KEY, HandEdit, checked_value, flat_index, with_edit
from engine.network import Network
from engine.optimizers import OPTIMIZERS
from engine.spec import TrainConfig
from engine.trainer import Trainer
from engine.trainer_state import capture, from_json, restore, to_json
from tests.engine.test_trainer import SMALL, net

SPEC = net(4, 3)


def trainer(config: TrainConfig | None = None) -> Trainer:
    return Trainer(SPEC, config or TrainConfig(seed=3, batch_size=8), SMALL)


def edited(t: Trainer, edit: HandEdit, undo: bool = False) -> None:
    t.load_state_dict(with_edit(t.state_dict(), t.network, edit, undo))


def test_an_edited_weight_predicts_as_the_same_weight_set_in_the_engine():
    t = trainer()
    t.run_steps(5)
    unedited = Network(SPEC, 0)
    unedited.flat[...] = t.network.flat
    old = float(t.network.state_dict()["layers.1.weight"][2, 1])
    edited(t, HandEdit(5, "layers.1.weight", (2, 1), old, 0.75))
    reference = Network(SPEC, 0)  # the run's weights with the element set in the flat vector
    reference.flat[...] = unedited.flat
    reference.flat[flat_index(reference, "layers.1.weight", (2, 1))] = 0.75
    X = SMALL.X_train
    np.testing.assert_array_equal(t.network.predict(X), reference.predict(X))
    assert not np.array_equal(t.network.predict(X), unedited.predict(X))
    assert reference.state_dict()["layers.1.weight"][2, 1] == 0.75  # W (out, in): [i, j]
    assert t.step_count == 5  # nothing else of the run moved


def test_an_edited_bias_sits_where_the_engine_keeps_it():
    t = trainer()
    edited(t, HandEdit(0, "layers.0.bias", (3,), 0.0, -2.5))
    assert t.network.flat[flat_index(t.network, "layers.0.bias", (3,))] == -2.5
    assert t.network.state_dict()["layers.0.bias"][3] == -2.5


def test_undo_restores_the_weight_bit_for_bit_and_forgets_the_edit():
    t = trainer()
    t.run_steps(7)
    before = t.state_dict()
    old = float(before["network"]["layers.0.weight"][1, 0])
    edit = HandEdit(7, "layers.0.weight", (1, 0), old, 123.456, False, True)
    edited(t, edit)
    assert t.hand.frozen is not None and len(t.hand.log) == 1
    edited(t, edit, undo=True)
    after = t.state_dict()
    assert after["network"]["layers.0.weight"].tobytes() == (
        before["network"]["layers.0.weight"].tobytes()
    )
    assert HAND_KEY not in after and t.hand.frozen is None and t.hand.log == ()


def test_wheel_turns_on_one_element_at_one_step_are_one_logged_edit():
    t = trainer()
    edited(t, HandEdit(0, "layers.0.weight", (0, 0), 0.1, 0.2))
    edited(t, HandEdit(0, "layers.0.weight", (0, 0), 0.2, 0.3))
    assert [(e.old, e.new) for e in t.hand.log] == [(0.1, 0.3)]
    edited(t, HandEdit(0, "layers.0.weight", (0, 1), 0.0, 0.5))
    assert len(t.hand.log) == 2


CASES = [(name, dict(l2=1e-2, clip_norm=0.5)) for name in OPTIMIZERS.names()]
CASES += [("sgd", dict(l1=1e-2)), ("momentum", dict(l2=0.1, clip_norm=0.1))]


@pytest.mark.parametrize(("optimizer", "extra"), CASES, ids=lambda v: str(v))
def test_a_frozen_weight_and_bias_stay_unchanged_over_100_steps(optimizer, extra):
    config = TrainConfig(seed=5, batch_size=8, optimizer=optimizer, lr=0.05, **extra)
    t = trainer(config)
    t.run_steps(3)  # the optimizer has state (moments, velocity) for them already
    w = flat_index(t.network, "layers.0.weight", (2, 1))
    b = flat_index(t.network, "layers.1.bias", (0,))
    frozen_w, frozen_b = t.network.flat[w], t.network.flat[b]
    edited(t, HandEdit(3, "layers.0.weight", (2, 1), frozen_w, frozen_w, False, True))
    edited(t, HandEdit(3, "layers.1.bias", (0,), frozen_b, frozen_b, False, True))
    others = t.network.flat.copy()
    t.run_steps(100)
    assert t.network.flat[w].tobytes() == np.float64(frozen_w).tobytes()
    assert t.network.flat[b].tobytes() == np.float64(frozen_b).tobytes()
    moved = t.network.flat != others
    moved[[w, b]] = True
    assert moved.all() or moved.sum() > len(moved) - 4  # the rest trains on


def test_freezing_survives_capture_restore_and_json():
    t = trainer()
    t.run_steps(4)
    at = flat_index(t.network, "layers.0.weight", (0, 1))
    value = float(t.network.flat[at])
    edited(t, HandEdit(4, "layers.0.weight", (0, 1), value, -0.5, False, True))
    state = capture(t)
    text = json.dumps(to_json(state))
    back = from_json(json.loads(text), t.n_layers)
    fresh = trainer()
    restore(fresh, back)
    assert fresh.hand.frozen.tolist() == [at]
    assert fresh.hand.log == t.hand.log
    fresh.run_steps(20)
    assert fresh.network.flat[at] == -0.5


def test_a_state_without_hand_edits_is_unchanged_and_loads():
    t = trainer()
    assert HAND_KEY not in t.state_dict()
    assert HAND_KEY not in to_json(capture(t))["trainer"]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "nan", "inf", "abc", 1e7, "",
                                 None, True, "1e400"])  # fmt: skip
def test_bad_values_are_refused_with_a_message(bad):
    with pytest.raises(SpecError, match="Received an invalid value for the weight"):
        checked_value(bad)


def test_typed_text_is_read_as_a_number():
    assert checked_value(" -1.5 ") == -1.5
    assert checked_value("−2") == -2.0  # the minus sign the labels show
    assert checked_value(3) == 3.0


def test_damaged_hand_entries_are_refused_before_anything_changes():
    t = trainer()
    state = t.state_dict()
    state[HAND_KEY] = {"frozen": [10_000], "edits": []}
    before = t.network.flat.copy()
    with pytest.raises(SpecError, match=r"hand\.frozen"):
        t.load_state_dict(state)
    np.testing.assert_array_equal(t.network.flat, before)
    with pytest.raises(SpecError, match="no tensor"):
        flat_index(t.network, "layers.9.weight", (0, 0))
    with pytest.raises(SpecError, match="no element"):
        flat_index(t.network, "layers.0.weight", (4, 0))


def test_the_runner_keeps_a_frozen_weight_through_restore_and_its_timeline():
    from engine.runner import Runner
    from tests.engine.test_runner import DATA, TIMEOUT, reason, wait_for
    from tests.engine.test_runner import SPEC as RUN_SPEC

    config = TrainConfig(optimizer="adamw", l2=0.1, lr=0.02, batch_size=10, seed=4)
    with Runner(RUN_SPEC, config, DATA) as runner:
        runner.step(30)
        wait_for(runner, reason("step"))
        state = runner.capture(TIMEOUT)
        net = Network(RUN_SPEC, 0)
        edit = HandEdit(30, "layers.1.weight", (2, 3), 0.0, 0.5, False, True)
        trainer_state = with_edit(state.trainer, net, edit)
        runner.restore(RUN_SPEC, config, DATA, dataclasses.replace(state, trainer=trainer_state))
        wait_for(runner, reason("rebuild"))
        runner.step(200)
        wait_for(runner, reason("step"))
        held = runner.capture(TIMEOUT)
        assert held.trainer["network"]["layers.1.weight"][2, 3] == 0.5
        runner.continue_from(100)  # a timeline checkpoint after the edit: still frozen
        back = wait_for(runner, reason("rebuild"))
        assert 30 < back.step <= 100
        runner.step(50)
        wait_for(runner, reason("step"))
        later = runner.capture(TIMEOUT)
        assert later.step == back.step + 50 and later.trainer[HAND_KEY] == held.trainer[HAND_KEY]
        assert later.trainer["network"]["layers.1.weight"][2, 3] == 0.5
