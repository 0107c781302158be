"""RMSprop (Tieleman & Hinton 2012), PyTorch defaults (no momentum, not centred).

Update rule (rho = config.rho, PyTorch's `alpha`, default 0.99; s starts at 0;
eps = config.eps or 1e-8, added outside the root):
    s <- rho * s + (1 - rho) * g * g
    w <- w - lr * g / (sqrt(s) + eps)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from engine.optimizers.base import Optimizer

if TYPE_CHECKING:  # spec.py reads the optimizer names from this package
    from engine.spec import TrainConfig


class RMSprop(Optimizer):
    name = "rmsprop"
    order = 4  # place in menus and name lists
    state_names = ("square_avg",)
    scratch_names = ("tmp",)
    default_eps = 1e-8
    formula = "s <- rho * s + (1 - rho) * g^2;  update = -lr * g / (sqrt(s) + eps)"
    tip = "Per-weight step sizes from a moving average of squared gradients"

    def explain(self, before, w):
        return [
            ("rho", self.rho),
            ("s before", float(before["square_avg"][0])),
            ("s after", float(self.state["square_avg"][0])),
            ("eps", self.eps),
        ]

    def _configure(self, config: TrainConfig) -> None:
        self.rho = float(config.rho)

    def _step(self, params: np.ndarray, grads: np.ndarray, out: np.ndarray) -> None:
        s, tmp = self.state["square_avg"], self._scratch["tmp"]
        s *= self.rho
        np.multiply(grads, grads, out=tmp)
        tmp *= 1.0 - self.rho
        s += tmp
        np.sqrt(s, out=tmp)
        tmp += self.eps
        np.divide(grads, tmp, out=out)
        out *= -self.lr
