"""Linear warm-up, then cosine annealing (PyTorch: SequentialLR of LinearLR and CosineAnnealingLR).

Epoch e < W uses lr * (e + 1) / W; from epoch W the cosine falls from lr to min-lr
over the remaining T - W schedule epochs.
"""

from __future__ import annotations

from engine.schedules.base import Schedule
from engine.schedules.cosine import cosine


class WarmupCosine(Schedule):
    name = "warmup_cosine"
    order = 4
    formula = "lr(e) = lr * (e + 1) / W for e < W, then the cosine over T - W epochs"
    tip = (
        "Warm-up then cosine: the rate climbs to lr over --warmup-epochs W, then falls "
        "to --min-lr by epoch --schedule-epochs T; large early steps cannot wreck the start"
    )
    reads = ("schedule_epochs", "warmup_epochs", "min_lr")
    needs_horizon = True

    def rate(self, epoch: int) -> float:
        c = self.config
        w = c.warmup_epochs
        if epoch < w:
            return self.base_lr * (epoch + 1) / w
        return cosine(self.base_lr, c.min_lr, epoch - w, c.schedule_epochs - w)
