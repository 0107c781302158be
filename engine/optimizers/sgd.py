"""Plain stochastic gradient descent.

Update rule:
    w <- w - lr * g
"""

from __future__ import annotations

import numpy as np

from engine.optimizers.base import Optimizer


class SGD(Optimizer):
    """Gradient descent without momentum (PyTorch `SGD(momentum=0)`)."""

    name = "sgd"
    order = 0  # place in menus and name lists
    formula = "update = -lr * g"
    tip = "Plain gradient descent: w -= lr * gradient"

    def _step(self, params: np.ndarray, grads: np.ndarray, out: np.ndarray) -> None:
        np.multiply(grads, -self.lr, out=out)
