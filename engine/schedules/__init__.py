"""Learning-rate schedules: one per module, each with its rule, formula and tip; discovered.

A schedule gives the learning rate of each epoch (see base.py); the trainer sets
it at every epoch end, and the training loop feeds reduce-on-plateau the loss
measured after the epoch. Adding a schedule is adding one file here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from engine.registry import Registry, classes_in_package
from engine.schedules.base import Schedule

if TYPE_CHECKING:
    from engine.spec import TrainConfig


def _discover() -> list[type[Schedule]]:
    return sorted(
        classes_in_package(__name__, __path__, Schedule, "name"),
        key=lambda cls: (cls.order, cls.name),
    )


SCHEDULES: Registry[type[Schedule]] = Registry("learning-rate schedule")
for _cls in _discover():  # adding a schedule is adding its file to this package
    SCHEDULES.register(_cls.name, _cls)


def make_schedule(config: TrainConfig) -> Schedule:
    """The schedule named by `config.schedule`; SpecError when its settings do not fit."""
    return SCHEDULES.get(config.schedule)(config)


def planned_rates(
    config: TrainConfig, epochs: np.ndarray, changes: tuple[tuple[int, float], ...] = ()
) -> np.ndarray:
    """The rate of each of `epochs` under `config`'s schedule (the GUI's curve).

    A schedule that watches the loss has no formula: its past `changes` (epoch, new
    rate) give the rates, and the latest rate stays for the epochs after them.
    """
    schedule = make_schedule(config)
    if not schedule.watches_loss:
        return np.fromiter((schedule.rate(int(e)) for e in epochs), float, len(epochs))
    rates = np.full(len(epochs), schedule.base_lr)
    for epoch, rate in changes:
        rates[np.asarray(epochs) >= epoch] = rate
    return rates


__all__ = ["SCHEDULES", "Schedule", "make_schedule", "planned_rates"]
