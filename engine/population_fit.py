"""`Trainer.fit` for every member of a population: epochs, evaluations, early stopping.

Each member runs its own `config.epochs` epochs and is evaluated after each one,
the loss-watching schedule (reduce on plateau) hears its own loss, and early
stopping (`engine.training_loop.EarlyStopping`, the same object `fit` uses) stops
it and puts its best weights back, in the order `engine.training_loop.fit` does
these things. A member that finished, stopped early or diverged leaves the stack
and the others go on, so each member ends as its lone `Trainer.fit` would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.errors import DivergenceError
from engine.population import PopulationTrainer
from engine.trainer import Evaluation
from engine.training_loop import EarlyStopping


@dataclass(frozen=True)
class MemberFit:
    """How one member's fit ended: its last evaluation (None if it diverged), epochs run."""

    evaluation: Evaluation | None
    epochs: int
    stopped_early: bool
    error: DivergenceError | None


class _Member:
    """What `EarlyStopping` reads of a trainer, for one member of a population."""

    def __init__(self, pop: PopulationTrainer, member: int):
        self.pop, self.member = pop, member
        self.config = pop.configs[member]

    @property
    def epoch(self) -> int:
        return self.pop.epoch

    @property
    def network(self):
        return self.pop.network(self.member)


def fit_members(
    pop: PopulationTrainer,
    on_epoch: Callable[[int, int, Evaluation], Any] | None = None,
) -> list[MemberFit]:
    """Train every member for its `config.epochs` epochs; `on_epoch(member, epoch, evaluation)`
    after each of its epoch-end evaluations (as `Trainer.fit`'s `on_epoch`)."""
    k = pop.size
    stoppers = [EarlyStopping(c.patience) for c in pop.configs]
    ends = [pop.epoch + c.epochs for c in pop.configs]
    last: list[Evaluation | None] = [None] * k
    stopped = [False] * k
    for member in pop.active:
        if ends[member] <= pop.epoch:  # no epochs: evaluated as it is
            last[member] = pop.evaluate([member])[0]
            pop.finish(member)
    while pop.active:
        pop.run_epoch()
        epoch = pop.epoch
        members = pop.active
        for member, evaluation in zip(members, pop.evaluate(members), strict=True):
            schedule = pop.schedules[member]
            if schedule.watches_loss:
                loss = evaluation.test_loss
                schedule.observe(epoch, evaluation.train_loss if loss is None else loss)
            if on_epoch is not None:
                on_epoch(member, epoch, evaluation)
            view = _Member(pop, member)
            if stoppers[member].update(view, evaluation):
                stopped[member] = True
                if stoppers[member].restore(view):  # the best weights, evaluated again
                    pop.finish(member, stoppers[member].best_flat)
                    evaluation = pop.evaluate([member])[0]
                pop.finish(member)
            elif epoch >= ends[member]:
                pop.finish(member)
            last[member] = evaluation
        if pop.active:
            pop.apply_rate()  # the plateau schedules may have lowered their rates
    return [
        MemberFit(
            None if member in pop.errors else last[member],
            pop.left_at.get(member, pop.epoch),
            stopped[member],
            pop.errors.get(member),
        )
        for member in range(k)
    ]
