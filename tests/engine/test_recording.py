"""The timeline's recording: exact checkpoints, dense then sparse, within its memory bound."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import SpecError
from engine.recording import Recording
from engine.spec import TrainConfig
from engine.trainer import Trainer
from tests.engine.test_trainer import SMALL, net

SPEC = net(6, 6)
CONFIG = TrainConfig(optimizer="adam", lr=0.03, batch_size=8, seed=3, dropout=0.1)


def recorded_run(steps: int, recording: Recording) -> Trainer:
    trainer = Trainer(SPEC, CONFIG, SMALL)
    recording.record(trainer)  # step 0: the initial weights
    for _ in range(steps):
        trainer.step()
        recording.record(trainer)
    return trainer


def test_a_checkpoint_at_step_k_holds_the_weights_of_an_uninterrupted_run_at_step_k():
    recording = Recording()
    recorded_run(300, recording)
    for k in (0, 1, 37, recording.nearest(290)):
        plain = Trainer(SPEC, CONFIG, SMALL)
        for _ in range(k):
            plain.step()
        state = recording.checkpoint(k)
        assert state["step"] == k
        for key, tensor in plain.network.state_dict().items():
            np.testing.assert_array_equal(state["network"][key], tensor)
        weights = recording.weights(k, plain.network)
        for layer, tensors in zip(plain.network.layers, weights, strict=True):
            for own, recorded in zip(layer.params.values(), tensors, strict=True):
                np.testing.assert_array_equal(recorded, own)


def test_continuing_from_a_checkpoint_equals_the_run_that_went_on():
    recording = Recording()
    through = recorded_run(120, recording)
    resumed = Trainer(SPEC, CONFIG, SMALL)
    resumed.load_state_dict(recording.checkpoint(50))
    for _ in range(70):
        resumed.step()
    np.testing.assert_array_equal(resumed.network.flat, through.network.flat)
    # loading did not consume the checkpoint: it can be continued from twice
    again = Trainer(SPEC, CONFIG, SMALL)
    again.load_state_dict(recording.checkpoint(50))
    again.step()
    assert again.step_count == 51


def test_every_step_is_recorded_at_first_then_gaps_grow():
    recording = Recording()
    recorded_run(2000, recording)
    steps = recording.steps()
    assert steps[:65] == list(range(65))
    gaps = np.diff(steps)
    assert gaps[-1] > 1 and steps[-1] >= 2000 - gaps[-1]
    # after step 64, a gap of at least s/64: about 64 * ln(2000/64) checkpoints
    assert len(steps) <= 65 + 64 * np.log(2000 / 64) + 2


def test_the_recording_stays_within_its_memory_bound_over_a_long_run():
    one = Recording()
    recorded_run(1, one)
    budget = 40 * one.nbytes // 2  # room for about 40 checkpoints
    recording = Recording(budget=budget)
    trainer = recorded_run(8000, recording)
    assert recording.nbytes <= budget
    assert recording.spacing > 1 / 64  # it had to thin
    steps = recording.steps()
    assert steps[0] == 0 and steps[-1] > 8000 // 2 and not recording.due(steps[-1] + 1)
    assert steps[1] == 1  # the start stays dense
    assert trainer.step_count == 8000
    assert sum(1 for s in steps if s <= 20) > 5


def test_nearest_and_unrecorded_steps():
    recording = Recording()
    with pytest.raises(SpecError, match="Nothing is recorded"):
        recording.nearest(3)
    recorded_run(1000, recording)
    steps = recording.steps()
    gap_at = next(i for i in range(1, len(steps)) if steps[i] - steps[i - 1] > 2)
    before, after = steps[gap_at - 1], steps[gap_at]
    assert recording.nearest(before + 1) == before
    assert recording.nearest(after - 1) == after
    assert recording.nearest(10**9) == steps[-1]
    with pytest.raises(SpecError, match=f"nearest recorded step is {before}"):
        recording.checkpoint(before + 1)


def test_truncating_forgets_later_checkpoints_and_records_anew():
    recording = Recording()
    recorded_run(100, recording)
    recording.truncate(40)
    assert recording.steps()[-1] == 40
    assert recording.due(41)
    trainer = Trainer(SPEC, CONFIG, SMALL)
    trainer.load_state_dict(recording.checkpoint(40))
    trainer.step()
    recording.record(trainer)
    assert recording.steps()[-2:] == [40, 41]


def test_a_bad_budget_is_refused_with_its_value():
    with pytest.raises(SpecError, match="received -1"):
        Recording(budget=-1)
