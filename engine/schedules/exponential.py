"""Exponential decay (PyTorch's ExponentialLR): the rate is multiplied by gamma each epoch."""

from __future__ import annotations

from engine.schedules.base import Schedule


class Exponential(Schedule):
    name = "exponential"
    order = 2
    formula = "lr(e) = lr * gamma^e"
    tip = "Exponential decay: multiply the rate by gamma after every epoch (--schedule-gamma)"
    reads = ("schedule_gamma",)

    def rate(self, epoch: int) -> float:
        return self.base_lr * self.config.schedule_gamma**epoch
