"""Reduce on plateau (PyTorch's ReduceLROnPlateau, mode min, threshold 1e-4 rel, cooldown 0).

After each epoch the loss (the test loss, or the train loss without a test set)
is compared with the best so far; after more than `patience` epochs without a
relative improvement of 1e-4 the rate is multiplied by gamma (not below min-lr).
Its counters are part of the training state, so a saved run continues exactly.
"""

from __future__ import annotations

import math
from typing import Any

from engine.errors import SpecError
from engine.schedules.base import Schedule

THRESHOLD = 1e-4  # relative improvement that counts (PyTorch's default)
EPS = 1e-8  # a reduction smaller than this is skipped (PyTorch's default)
STATE_KEYS = ("lr", "best", "bad_epochs", "changes")


class Plateau(Schedule):
    name = "plateau"
    order = 5
    formula = "lr <- max(lr * gamma, min_lr) after more than N epochs without a better loss"
    tip = (
        "Reduce on plateau: multiply the rate by --schedule-gamma when the test loss "
        "(train loss without a test set) has not improved for --plateau-patience epochs"
    )
    reads = ("plateau_patience", "schedule_gamma", "min_lr")
    watches_loss = True

    def __init__(self, config):
        super().__init__(config)
        self.lr = self.base_lr
        self.best = math.inf
        self.bad_epochs = 0
        self._changes: list[tuple[int, float]] = []

    def rate(self, epoch: int) -> float:
        return self.lr

    def observe(self, epoch: int, loss: float) -> None:
        if loss < self.best * (1.0 - THRESHOLD):
            self.best, self.bad_epochs = loss, 0
        else:
            self.bad_epochs += 1
        if self.bad_epochs > self.config.plateau_patience:
            new = max(self.lr * self.config.schedule_gamma, self.config.min_lr)
            if self.lr - new > EPS:
                self.lr = new
                self._changes.append((int(epoch), new))
            self.bad_epochs = 0

    def changes(self) -> tuple[tuple[int, float], ...]:
        return tuple(self._changes)

    def state_dict(self) -> dict[str, Any]:
        return {
            "lr": self.lr,
            "best": self.best,
            "bad_epochs": self.bad_epochs,
            "changes": [[e, lr] for e, lr in self._changes],
        }

    def load_state_dict(self, d: Any) -> None:
        if not isinstance(d, dict) or set(d) != set(STATE_KEYS):
            got = sorted(d) if isinstance(d, dict) else type(d).__name__
            raise SpecError(
                f"The plateau schedule's saved state must have the entries {list(STATE_KEYS)}; "
                f"received {got}"
            )
        try:
            lr, best = float(d["lr"]), float(d["best"])
            bad = d["bad_epochs"]
            changes = [(int(e), float(r)) for e, r in d["changes"]]
        except (TypeError, ValueError):
            raise SpecError("The plateau schedule's saved state holds a non-number") from None
        if isinstance(bad, bool) or not isinstance(bad, int) or bad < 0:
            raise SpecError(
                f"The plateau schedule's `bad_epochs` must be an integer >= 0; received {bad!r}"
            )
        if not (math.isfinite(lr) and lr > 0):
            raise SpecError(f"The plateau schedule's `lr` must be a positive number; received {lr}")
        self.lr, self.best, self.bad_epochs, self._changes = lr, best, bad, changes

    def adopt(self, previous: Schedule) -> None:
        """Keep the counters across a settings change; the rate restarts if lr changed."""
        if isinstance(previous, Plateau):
            self.best, self.bad_epochs = previous.best, previous.bad_epochs
            self._changes = list(previous._changes)
            if previous.base_lr == self.base_lr:
                self.lr = max(previous.lr, self.config.min_lr)
