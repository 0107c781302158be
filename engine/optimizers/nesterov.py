"""SGD with Nesterov momentum, in PyTorch's form (Sutskever et al. 2013 reformulated).

Update rule (mu = config.momentum, v starts at 0):
    v <- mu * v + g
    w <- w - lr * (g + mu * v)

The step looks ahead along the new velocity instead of evaluating the gradient
at a shifted point, so only the current gradient is needed.
"""

from __future__ import annotations

import numpy as np

from engine.optimizers.momentum import Momentum


class Nesterov(Momentum):
    """Momentum's velocity (and configuration), applied with the look-ahead."""

    name = "nesterov"
    order = 2  # place in menus and name lists
    formula = "v <- mu * v + g;  update = -lr * (g + mu * v)"
    tip = "Momentum that looks ahead before computing the step (Nesterov)"

    def _step(self, params: np.ndarray, grads: np.ndarray, out: np.ndarray) -> None:
        v = self.state["velocity"]
        v *= self.mu
        v += grads
        np.multiply(v, self.mu, out=out)
        out += grads
        out *= -self.lr
