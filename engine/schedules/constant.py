"""The constant rate: every epoch uses `lr` (no schedule)."""

from __future__ import annotations

from engine.schedules.base import Schedule


class Constant(Schedule):
    name = "constant"
    order = 0
    formula = "lr(e) = lr"
    tip = "The same learning rate in every epoch"

    def rate(self, epoch: int) -> float:
        return self.base_lr
