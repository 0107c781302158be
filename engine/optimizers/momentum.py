"""SGD with (heavy-ball) momentum, in PyTorch's form.

Update rule (mu = config.momentum, v starts at 0, no dampening):
    v <- mu * v + g
    w <- w - lr * v

This differs from the textbook `v <- mu*v - lr*g` only when lr changes mid-run:
the velocity is stored without the learning rate, as PyTorch and Keras-3 do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from engine.optimizers.base import Optimizer

if TYPE_CHECKING:  # spec.py reads the optimizer names from this package
    from engine.spec import TrainConfig


class Momentum(Optimizer):
    name = "momentum"
    order = 1  # place in menus and name lists
    state_names = ("velocity",)
    formula = "v <- mu * v + g;  update = -lr * v"
    tip = "Gradient descent with momentum (0.9 unless set): a running velocity smooths the steps"

    def explain(self, before, w):
        v = ("v after", float(self.state["velocity"][0]))
        return [("mu", self.mu), ("v before", float(before["velocity"][0])), v]

    def _configure(self, config: TrainConfig) -> None:
        self.mu = float(config.momentum)

    def _step(self, params: np.ndarray, grads: np.ndarray, out: np.ndarray) -> None:
        v = self.state["velocity"]
        v *= self.mu
        v += grads
        np.multiply(v, -self.lr, out=out)
