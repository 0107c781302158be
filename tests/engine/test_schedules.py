"""Learning-rate schedules: PyTorch's rates, stepped by the one epoch loop, saved with the run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from engine.errors import SpecError
from engine.schedules import SCHEDULES, make_schedule
from engine.snapshot import History
from engine.spec import TrainConfig
from engine.trainer import Trainer
from engine.trainer_state import capture, from_json, restore, to_json
from tests.engine.test_runner import no_runner_thread_outlives_a_test
from tests.engine.test_trainer import net, spirals
from tests.engine.test_training_loop import assert_same_steps_and_weights, fit_and_run

__all__ = ["no_runner_thread_outlives_a_test"]

REFERENCE = np.load(Path(__file__).parents[1] / "fixtures" / "torch_schedule_reference.npz")
CASES = sorted({key.split(".")[0] for key in REFERENCE.files if key.endswith(".rates")})


def our_rates(config: TrainConfig, epochs: int) -> np.ndarray:
    """The rate of each epoch, stepped as the training loop does (plateau hears the losses)."""
    schedule = make_schedule(config)
    out = []
    for e in range(epochs):
        out.append(schedule.rate(e))
        schedule.observe(e + 1, float(REFERENCE["plateau_losses"][e]))
    return np.asarray(out)


def test_the_fixture_covers_every_schedule():
    names = {json.loads(str(REFERENCE[f"{c}.config"]))["schedule"] for c in CASES}
    assert names == set(SCHEDULES.names())


@pytest.mark.parametrize("case", CASES)
def test_each_schedule_gives_pytorchs_rates(case):
    """tests/fixtures/make_torch_schedules.py wrote torch.optim.lr_scheduler's rates."""
    config = TrainConfig(**json.loads(str(REFERENCE[f"{case}.config"])))
    expected = REFERENCE[f"{case}.rates"]
    np.testing.assert_allclose(our_rates(config, len(expected)), expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    ("changes", "needs"),
    [
        ({"schedule": "cosine"}, "at least 1"),
        ({"schedule": "warmup_cosine", "schedule_epochs": 5, "warmup_epochs": 5}, "more than"),
    ],
)
def test_a_cosine_without_its_horizon_is_refused_naming_the_flag(changes, needs):
    with pytest.raises(SpecError, match=rf"--schedule-epochs {needs}.*Received: schedule_epochs"):
        TrainConfig(**changes)


def test_every_step_of_an_epoch_uses_that_epochs_rate():
    config = TrainConfig(optimizer="sgd", lr=0.1, schedule="step", schedule_step=2,
                         schedule_gamma=0.5, batch_size=10, seed=3)  # fmt: skip
    trainer = Trainer(net(4), config, spirals(50, seed=1))
    used: dict[int, set[float]] = {}
    for _ in range(5 * 4):  # 40 training rows / 10: 4 steps per epoch
        epoch = trainer.epoch
        used.setdefault(epoch, set()).add(trainer.step().lr)
    assert used == {e: {0.1 * 0.5 ** (e // 2)} for e in range(5)}


def test_plateau_hears_the_test_loss_after_each_epoch_and_fit_and_runner_agree():
    config = TrainConfig(lr=0.3, schedule="plateau", plateau_patience=0, schedule_gamma=0.5,
                         epochs=8, batch_size=8, seed=2)  # fmt: skip
    trainer, fitted, _, snap, ran = fit_and_run(net(8), config, spirals(60, seed=3))
    assert_same_steps_and_weights(trainer, fitted, snap, ran)
    # the rate was lowered after each epoch whose test loss was no better than the best
    best, lr, expected = math.inf, 0.3, []
    for loss in fitted.test_loss:
        if loss < best * (1 - 1e-4):
            best = loss
        else:
            lr *= 0.5
            expected.append(lr)
    assert expected, "the test loss never stalled: the test does not exercise the plateau"
    assert [r for _, r in trainer.schedule.changes()] == expected
    assert snap.lr == trainer.optimizer.lr == lr
    assert snap.lr_changes == trainer.schedule.changes()


@pytest.mark.parametrize("schedule", ["plateau", "warmup_cosine"])
def test_a_saved_run_continues_bit_for_bit_with_its_schedule(schedule):
    config = TrainConfig(lr=0.05, schedule=schedule, plateau_patience=0, schedule_epochs=6,
                         warmup_epochs=2, batch_size=8, seed=4)  # fmt: skip
    spec, data = net(6), spirals(60, seed=5)
    whole = Trainer(spec, config, data)
    whole.fit(6)
    first = Trainer(spec, config, data)
    history = History(first.n_layers)
    first.fit(3, history=history)
    saved = json.loads(json.dumps(to_json(capture(first, history))))
    second = Trainer(spec, config, data)
    restore(second, from_json(saved, second.n_layers))
    second.fit(3)
    np.testing.assert_array_equal(second.network.flat, whole.network.flat)
    assert second.schedule.state_dict() == whole.schedule.state_dict()
    assert second.last_report.lr == whole.last_report.lr


def test_a_training_state_saved_before_schedules_loads_with_a_constant_rate():
    config = TrainConfig(lr=0.02, batch_size=8)
    trainer = Trainer(net(4), config, spirals(40, seed=1))
    trainer.fit(1)
    doc = to_json(capture(trainer))
    doc["version"] = 1
    doc["trainer"] = {k: v for k, v in doc["trainer"].items() if k != "schedule"}
    doc["trainer"]["version"] = 1
    again = Trainer(net(4), config, spirals(40, seed=1))
    restore(again, from_json(doc, again.n_layers))
    assert again.step().lr == 0.02
    np.testing.assert_array_equal(
        again.network.flat - again.optimizer.updates, trainer.network.flat
    )


def test_a_damaged_plateau_state_is_refused_naming_the_entries():
    trainer = Trainer(net(4), TrainConfig(schedule="plateau"), spirals(40, seed=1))
    state = trainer.state_dict()
    state["schedule"] = {"lr": 0.1}
    with pytest.raises(SpecError, match=r"plateau schedule's saved state must have the entries"):
        trainer.load_state_dict(state)
