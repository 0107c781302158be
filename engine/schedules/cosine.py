"""Cosine annealing (PyTorch's CosineAnnealingLR) from lr down to min-lr over T epochs.

Past its horizon the rate rises again, as PyTorch's does (a cosine has a period of 2T).
"""

from __future__ import annotations

import math

from engine.schedules.base import Schedule


def cosine(lr: float, min_lr: float, e: int, horizon: int) -> float:
    """The cosine from `lr` (e = 0) to `min_lr` (e = horizon)."""
    return min_lr + (lr - min_lr) * (1.0 + math.cos(math.pi * e / horizon)) / 2.0


class Cosine(Schedule):
    name = "cosine"
    order = 3
    formula = "lr(e) = min_lr + (lr - min_lr) * (1 + cos(pi * e / T)) / 2"
    tip = (
        "Cosine annealing: the rate falls smoothly from lr to --min-lr over "
        "--schedule-epochs T epochs"
    )
    reads = ("schedule_epochs", "min_lr")
    needs_horizon = True

    def rate(self, epoch: int) -> float:
        c = self.config
        return cosine(self.base_lr, c.min_lr, epoch, c.schedule_epochs)
