"""Step decay (PyTorch's StepLR): the rate is multiplied by gamma every N epochs."""

from __future__ import annotations

from engine.schedules.base import Schedule


class Step(Schedule):
    name = "step"
    order = 1
    formula = "lr(e) = lr * gamma^floor(e / N)"
    tip = (
        "Step decay: multiply the rate by gamma every N epochs (--schedule-step, "
        "--schedule-gamma); settles a rate that is too high to settle"
    )
    reads = ("schedule_step", "schedule_gamma")

    def rate(self, epoch: int) -> float:
        return self.base_lr * self.config.schedule_gamma ** (epoch // self.config.schedule_step)
