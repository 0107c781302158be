"""The one epoch loop: steps, history, end-of-epoch evaluation, early stopping.

`Trainer.fit` drives it to completion; the runner's worker drives it a step at a
time between commands, deciding itself when an evaluation is worth its time. Both
take the same steps through `TrainingLoop.advance`, record them the same way, and
stop early by the same `EarlyStopping`, so a run in the window and a run on the
command line with the same seed and settings end on the same weights.

A segment is `epochs` epochs from `base_epoch` (the trainer's epoch when the loop
began, or when `new_segment` began another).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.errors import SpecError
from engine.evaluations import EvaluationRecord

if TYPE_CHECKING:
    from engine.snapshot import History
    from engine.trainer import Evaluation, StepReport, Trainer


@dataclass(frozen=True)
class FitResult:
    """What `fit` did: epochs run in this call, the total steps, early stopping.

    `evaluations` is bounded (see `engine.evaluations`): every epoch's on short runs,
    an evenly thinned selection that keeps the first and the last on long ones.
    """

    epochs: int
    steps: int
    stopped_early: bool
    best_epoch: int | None
    evaluation: Evaluation
    evaluations: tuple[Evaluation, ...]


class EarlyStopping:
    """Stops after `patience` epochs without a lower test loss; remembers the best weights."""

    def __init__(self, patience: int):
        self.patience = patience
        self.best_loss = math.inf
        self.best_epoch: int | None = None
        self.best_flat: np.ndarray | None = None
        self.wait = 0

    def update(self, trainer: Trainer, evaluation: Evaluation) -> bool:
        """Record an epoch-end evaluation; True when training should stop."""
        loss = evaluation.test_loss
        if loss is None or self.patience <= 0:
            return False
        if loss < self.best_loss:
            self.best_loss, self.best_epoch, self.wait = loss, trainer.epoch, 0
            if self.best_flat is None:
                self.best_flat = trainer.network.flat.copy()
            else:
                self.best_flat[...] = trainer.network.flat
            return False
        self.wait += 1
        return self.wait >= self.patience

    def restore(self, trainer: Trainer) -> bool:
        """Put the best weights back (optimizer state and counters stay); True if changed.

        Nothing changes when the config says not to (`restore_best=False`).
        """
        if (
            not trainer.config.restore_best
            or self.best_flat is None
            or np.array_equal(self.best_flat, trainer.network.flat)
        ):
            return False
        trainer.network.flat[...] = self.best_flat
        return True


class TrainingLoop:
    """One trainer's segment of epochs (see the module docstring).

    `advance()` must run under `np.errstate(all="ignore")` (the trainer checks and
    reports non-finite values itself); `run_epoch()` sets that up.
    """

    def __init__(self, trainer: Trainer, epochs: int, history: History | None = None):
        self.trainer = trainer
        self.history = history
        self.epochs = epochs
        self.base_epoch = trainer.epoch
        self.stopper = EarlyStopping(trainer.config.patience)
        self.record = EvaluationRecord()
        self.stopped = self.restored = False

    def new_segment(self, epochs: int) -> None:
        """`epochs` more epochs from here, with early stopping starting afresh."""
        self.epochs = epochs
        self.base_epoch = self.trainer.epoch
        self.stopper = EarlyStopping(self.trainer.config.patience)
        self.stopped = self.restored = False

    def segment_done(self) -> bool:
        return self.trainer.epoch >= self.base_epoch + self.epochs

    def stops_early(self) -> bool:
        """Whether early stopping watches this run (it then needs every epoch's evaluation)."""
        return self.stopper.patience > 0 and self.trainer.data.X_test is not None

    def watches_loss(self) -> bool:
        """Whether the schedule (reduce on plateau) needs every epoch end's evaluation."""
        return self.trainer.schedule.watches_loss

    def end_epoch(self, evaluation: Evaluation) -> None:
        """Step the schedule with the loss measured after the epoch.

        The trainer already set the next epoch's rate when the epoch ended; a
        schedule that watches the loss (plateau) hears the test loss (the train
        loss without a test set) and may lower it before the next step.
        """
        trainer = self.trainer
        if trainer.schedule.watches_loss:
            loss = evaluation.test_loss
            trainer.schedule.observe(trainer.epoch, evaluation.train_loss if loss is None else loss)
            trainer.apply_rate()

    def advance(self) -> StepReport:
        """One minibatch, recorded into the history."""
        trainer = self.trainer
        report = trainer._step(False)
        if self.history is not None:
            self.history.record_step(report.step, report.loss, trainer.grad_norms)
        return report

    def run_epoch(self) -> StepReport:
        """Steps to the end of the current epoch; the last report, with its layer statistics."""
        with np.errstate(all="ignore"):
            while not (report := self.advance()).epoch_end:
                pass
        return self.trainer.finish_report(report)

    def record_evaluation(self, evaluation: Evaluation) -> None:
        """An evaluation of the weights at the trainer's current step, into the history."""
        trainer = self.trainer
        if self.history is not None:
            self.history.record_eval(trainer.epoch, trainer.step_count, evaluation)
        self.record.add(evaluation)

    def stop_early(self, evaluation: Evaluation) -> bool:
        """Give early stopping an epoch end's evaluation; True when it stopped the run.

        Stopping puts the best weights back unless `restore_best` is off (the
        optimizer state and the step and epoch counters are not rewound).
        """
        if not self.stopper.update(self.trainer, evaluation):
            return False
        self.stopped = True
        self.restored = self.stopper.restore(self.trainer)
        return True


def fit(
    trainer: Trainer,
    epochs: int | None = None,
    on_epoch: Callable[[Trainer, Evaluation], Any] | None = None,
    history: History | None = None,
) -> FitResult:
    """`Trainer.fit`: the loop to completion, evaluating at every epoch end."""
    if epochs is None:
        epochs = trainer.config.epochs
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise SpecError(
            f"Received an invalid value for `epochs`, expected an integer >= 0. "
            f"Received: epochs={epochs!r}"
        )
    loop = TrainingLoop(trainer, epochs, history)
    evaluation = None
    for _ in range(epochs):
        loop.run_epoch()
        evaluation = trainer.evaluate()
        loop.record_evaluation(evaluation)
        loop.end_epoch(evaluation)
        if on_epoch is not None:
            on_epoch(trainer, evaluation)
        if loop.stop_early(evaluation):
            if loop.restored:
                evaluation = trainer.evaluate()  # of the best weights
            break
    if evaluation is None:
        evaluation = trainer.evaluate()
    stopper = loop.stopper
    return FitResult(
        len(loop.record),
        trainer.step_count,
        loop.stopped,
        stopper.best_epoch,
        evaluation,
        loop.record.evaluations(),
    )
