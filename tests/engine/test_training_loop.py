"""One epoch loop: the runner's thread and `Trainer.fit` take the same steps and stop alike."""

from __future__ import annotations

import numpy as np
import pytest

from engine.runner import Runner
from engine.snapshot import History
from engine.spec import TrainConfig
from engine.trainer import Trainer
from tests.engine.test_runner import no_runner_thread_outlives_a_test, reason, wait_for
from tests.engine.test_trainer import net, spirals

__all__ = ["no_runner_thread_outlives_a_test"]  # the fixture, applied here too


def fit_and_run(spec, config, data):
    """(trainer after fit, its history, fit's result, the runner's finished snapshot + history)."""
    trainer = Trainer(spec, config, data)
    history = History(trainer.n_layers, 20_000)
    result = trainer.fit(history=history)
    with Runner(spec, config, data) as runner:
        runner.start()
        snap = wait_for(runner, reason("finished"))
        return trainer, history.chunk(), result, snap, runner.history()


def assert_same_steps_and_weights(trainer, fitted, snap, ran):
    np.testing.assert_array_equal(ran.steps, fitted.steps)
    np.testing.assert_array_equal(ran.loss, fitted.loss)
    np.testing.assert_array_equal(ran.grad_norms, fitted.grad_norms)
    assert (snap.step, snap.epoch) == (trainer.step_count, trainer.epoch)
    for tensors, layer in zip(snap.weights, trainer.network.layers, strict=True):
        for published, own in zip(tensors, layer.params.values(), strict=True):
            np.testing.assert_array_equal(published, own)


def test_the_runner_and_fit_take_the_same_steps_to_the_same_weights():
    config = TrainConfig(optimizer="adam", lr=0.01, batch_size=16, epochs=4, seed=5, l2=1e-3)
    trainer, fitted, result, snap, ran = fit_and_run(net(6, 5), config, spirals(100, seed=4))
    assert result.epochs == 4 and not result.stopped_early
    assert_same_steps_and_weights(trainer, fitted, snap, ran)
    # the runner evaluates within its time budget, but always at the segment's end
    assert ran.epochs[-1] == fitted.epochs[-1] == 4
    assert ran.test_loss[-1] == fitted.test_loss[-1] == result.evaluation.test_loss
    assert snap.evaluation == result.evaluation


@pytest.mark.parametrize("restore_best", [True, False])
def test_the_runner_and_fit_stop_early_at_the_same_epoch_on_the_same_weights(restore_best):
    config = TrainConfig(
        lr=0.03, batch_size=4, patience=3, epochs=500, seed=1, restore_best=restore_best
    )
    trainer, fitted, result, snap, ran = fit_and_run(
        net(64, 64), config, spirals(80, seed=2, noise=0.3)
    )
    assert result.stopped_early and "Stopped early" in snap.message
    assert_same_steps_and_weights(trainer, fitted, snap, ran)
    for field in ("epochs", "eval_steps", "train_loss", "test_loss", "train_metric"):
        np.testing.assert_array_equal(getattr(ran, field), getattr(fitted, field))
    assert snap.evaluation == result.evaluation  # of the weights kept
    kept = f"weights of epoch {result.best_epoch}" if restore_best else "kept the last weights"
    assert kept in snap.message


def test_fit_after_a_partial_epoch_runs_whole_epochs_from_there():
    data = spirals(60, seed=1)
    config = TrainConfig(optimizer="sgd", lr=0.05, batch_size=8, epochs=2, seed=2)
    a, b = Trainer(net(4), config, data), Trainer(net(4), config, data)
    a.run_steps(3)
    b.run_steps(3)
    result = a.fit()
    b.run_epoch()
    b.run_epoch()
    assert result.epochs == 2 and a.epoch == b.epoch == 2
    np.testing.assert_array_equal(a.network.flat, b.network.flat)
    assert a.last_report == b.last_report


@pytest.mark.parametrize("epochs", [0, 3])
def test_fit_records_every_step_it_takes(epochs):
    data = spirals(60, seed=1)
    trainer = Trainer(net(4), TrainConfig(batch_size=8, epochs=epochs), data)
    history = History(trainer.n_layers, 1000)
    result = trainer.fit(history=history)
    assert len(history.chunk().steps) == result.steps == trainer.step_count
    assert trainer.last_report is None or trainer.last_report.layers
