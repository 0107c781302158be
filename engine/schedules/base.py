"""The learning-rate schedule base class: the rate of each epoch, stepped once per epoch.

A schedule is built from a `TrainConfig` and answers `rate(epoch)`: the learning
rate the steps of that (0-based, counted from the run's start) epoch use, as
PyTorch's `torch.optim.lr_scheduler` gives it when `scheduler.step()` is called
once after each epoch. Most schedules are a formula of the epoch, so a run that
is saved and continued gets the same rates without any state; reduce-on-plateau
keeps its own (`state_dict`), fed by `observe` with the loss measured after each
epoch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from engine.errors import SpecError

if TYPE_CHECKING:
    from engine.spec import TrainConfig


class Schedule:
    """Base of every schedule. Subclasses set `name`, `formula`, `tip` and `rate`."""

    name: ClassVar[str] = ""
    order: ClassVar[int] = 100  # place in menus and name lists
    formula: ClassVar[str] = ""  # the rule, as tooltips show it
    tip: ClassVar[str] = ""  # one sentence for the GUI's tooltip
    reads: ClassVar[tuple[str, ...]] = ()  # the schedule settings it reads (the GUI enables them)
    needs_horizon: ClassVar[bool] = False  # True: needs `schedule_epochs` >= 1
    watches_loss: ClassVar[bool] = False  # True: `observe` needs each epoch's loss

    def __init__(self, config: TrainConfig):
        if self.needs_horizon:
            check_horizon(config, self.name)
        self.base_lr = float(config.lr)
        self.config = config

    def rate(self, epoch: int) -> float:
        """The learning rate of the steps of epoch `epoch` (0-based)."""
        raise NotImplementedError

    def observe(self, epoch: int, loss: float) -> None:
        """The loss measured after epoch `epoch` - 1 ended (only plateau listens)."""

    def changes(self) -> tuple[tuple[int, float], ...]:
        """(epoch, rate) where a rate that is not a formula of the epoch took effect."""
        return ()

    def state_dict(self) -> dict[str, Any]:
        """What `observe` has learnt (empty for the formula schedules)."""
        return {}

    def load_state_dict(self, d: Any) -> None:
        if d not in (None, {}):
            raise SpecError(
                f"The {self.name!r} schedule keeps no state; the saved trainer state has {d!r}"
            )

    def adopt(self, previous: Schedule) -> None:
        """Carry over what `previous` (the schedule before a settings change) learnt."""


def check_horizon(config: TrainConfig, name: str) -> None:
    """Refuse a cosine schedule without a horizon (what / expected / received)."""
    warmup = config.warmup_epochs if name == "warmup_cosine" else 0
    if config.schedule_epochs <= warmup:
        need = f"more than the {warmup} warm-up epoch(s)" if warmup else "at least 1"
        raise SpecError(
            f"The {name} schedule needs its horizon: expected --schedule-epochs {need} "
            f"(the epochs over which the rate falls to --min-lr). "
            f"Received: schedule_epochs={config.schedule_epochs}"
        )
