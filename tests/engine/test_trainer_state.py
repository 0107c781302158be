"""Resumable training state: capture, JSON round trip, restore, and bit-identical continuation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine.data import Data
from engine.errors import SpecError
from engine.runner import Runner
from engine.snapshot import History
from engine.spec import LayerSpec, NetworkSpec, TrainConfig
from engine.trainer import EarlyStopping, Trainer
from engine.trainer_state import (
    ResumeState,
    capture,
    floats_from_json,
    floats_to_json,
    from_json,
    restore,
    to_json,
)

SPEC = NetworkSpec(hidden=(LayerSpec(6, "tanh"), LayerSpec(5, "relu")))
CONFIG = TrainConfig(optimizer="adam", lr=0.02, batch_size=7, dropout=0.2, seed=3)


def make_data(n: int = 60, seed: int = 0) -> Data:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return Data.from_arrays(X[:40], y[:40], X[40:], y[40:], task="classification", n_classes=2)


def json_round_trip(state: ResumeState, n_layers: int) -> ResumeState:
    text = json.dumps(to_json(state), allow_nan=False)
    return from_json(json.loads(text), n_layers)


@pytest.mark.parametrize("optimizer", ["adam", "momentum", "rmsprop", "sgd"])
def test_continuing_a_restored_trainer_matches_an_uninterrupted_run(optimizer):
    data, config = make_data(), CONFIG.replace(optimizer=optimizer)
    whole = Trainer(SPEC, config, data)
    whole_losses = [whole.step().loss for _ in range(23)]
    first = Trainer(SPEC, config, data)
    for _ in range(9):  # stops mid-epoch: cursor and permutation matter
        first.step()
    saved = json_round_trip(capture(first), first.n_layers)
    second = Trainer(SPEC, config, data)
    restore(second, saved)
    assert second.step_count == 9 and second.epoch == first.epoch
    losses = whole_losses[:9] + [second.step().loss for _ in range(14)]
    assert losses == whole_losses
    np.testing.assert_array_equal(second.network.flat, whole.network.flat)
    assert second.optimizer.state_dict()["step"] == whole.optimizer.state_dict()["step"]


def test_history_and_early_stopping_memory_survive():
    data = make_data()
    trainer = Trainer(SPEC, CONFIG, data)
    history = History(trainer.n_layers, capacity=8)
    stopper = EarlyStopping(3)
    for _ in range(25):
        report = trainer.step()
        history.record_step(report.step, report.loss, trainer.grad_norms)
        if report.epoch_end:
            ev = trainer.evaluate()
            history.record_eval(trainer.epoch, trainer.step_count, ev)
            stopper.update(trainer, ev)
    assert history.stride > 1  # the history has been downsampled
    state = json_round_trip(
        capture(trainer, history, base_epoch=2, stopper=stopper), trainer.n_layers
    )
    fresh, new_history, new_stopper = Trainer(SPEC, CONFIG, data), History(3, 8), EarlyStopping(3)
    restore(fresh, state, new_history, new_stopper)
    old, new = history.chunk(), new_history.chunk()
    for field in ("steps", "loss", "grad_norms", "epochs", "eval_steps", "test_loss"):
        np.testing.assert_array_equal(getattr(new, field), getattr(old, field))
    assert new_history.stride == history.stride and state.base_epoch == 2
    assert (new_stopper.best_epoch, new_stopper.wait) == (stopper.best_epoch, stopper.wait)
    np.testing.assert_array_equal(new_stopper.best_flat, stopper.best_flat)


def test_non_finite_floats_are_written_as_strings_and_read_back():
    values = np.array([[1.5, np.nan], [np.inf, -np.inf]])
    encoded = floats_to_json(values)
    assert encoded == [[1.5, "nan"], ["inf", "-inf"]]
    json.dumps(encoded, allow_nan=False)
    np.testing.assert_array_equal(floats_from_json(encoded, "x"), values)
    with pytest.raises(SpecError, match="`x` must be an array of numbers"):
        floats_from_json([1.0, "one"], "x")


def test_a_state_for_another_network_is_refused_and_the_weights_stay():
    data = make_data()
    trainer = Trainer(SPEC, CONFIG, data)
    trainer.step()
    state = capture(trainer)
    other_spec = NetworkSpec(hidden=(LayerSpec(4, "tanh"), LayerSpec(5, "relu")))
    other = Trainer(other_spec, CONFIG, data)
    before = other.network.flat.copy()
    with pytest.raises(Exception, match=r"layers\.0\.weight"):
        restore(other, state)
    np.testing.assert_array_equal(other.network.flat, before)
    assert other.step_count == 0


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(version=99), "version 99"),
        (lambda d: d.pop("history"), "lacks \\['history'\\]"),
        (lambda d: d["history"].update(loss=[1.0]), "state.history.loss"),
        (lambda d: d["trainer"].update(perm=["a"]), "perm"),
        (lambda d: d.update(base_epoch=-1), "base_epoch"),
    ],
)
def test_damaged_states_are_refused_with_the_entry_named(change, message):
    trainer = Trainer(SPEC, CONFIG, make_data())
    for _ in range(3):
        trainer.step()
    doc = json.loads(json.dumps(to_json(capture(trainer))))
    change(doc)
    with pytest.raises(SpecError, match=message):
        from_json(doc, trainer.n_layers)


def test_runner_capture_and_restore_continue_like_an_uninterrupted_run():
    data = make_data()
    config = CONFIG.replace(epochs=10**6)
    reference = Trainer(SPEC, config, data)
    for _ in range(30):
        reference.step()
    with Runner(SPEC, config, data) as runner:
        runner.step(12)
        state = runner.capture()
    assert state is not None and state.step == 12
    assert len(state.history) == 12
    with Runner(SPEC, config, data) as runner:
        runner.restore(SPEC, config, data, json_round_trip(state, 3))
        runner.step(18)
        snap = runner.wait_snapshot(10)
        while snap is not None and not (snap.reason == "step" and snap.step == 30):
            snap = runner.wait_snapshot(10)
        assert snap is not None
        history = runner.history()
        again = runner.capture()
    assert history.steps.tolist() == list(range(1, 31))
    np.testing.assert_array_equal(history.loss[:12], state.history.loss)
    np.testing.assert_array_equal(
        np.concatenate([w.ravel() for pair in snap.weights for w in pair]),
        np.concatenate(
            [t.ravel() for t in reference.network.state_dict().values()]  # W0 b0 W1 b1 ...
        ),
    )
    np.testing.assert_array_equal(
        again.trainer["optimizer"]["m"], reference.optimizer.state_dict()["m"]
    )
