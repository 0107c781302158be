"""Adagrad (Duchi, Hazan & Singer 2011), PyTorch defaults.

Update rule (G starts at 0, eps = config.eps or 1e-10, added outside the root):
    G <- G + g * g
    w <- w - lr * g / (sqrt(G) + eps)

Each parameter's step shrinks with the squared gradients it has seen.
"""

from __future__ import annotations

import numpy as np

from engine.optimizers.base import Optimizer


class Adagrad(Optimizer):
    name = "adagrad"
    order = 3  # place in menus and name lists
    state_names = ("sum_sq",)
    scratch_names = ("tmp",)
    default_eps = 1e-10
    formula = "G <- G + g^2;  update = -lr * g / (sqrt(G) + eps)"
    tip = "Per-weight step sizes that shrink as squared gradients accumulate"

    def explain(self, before, w):
        after = float(self.state["sum_sq"][0])
        return [("G before", float(before["sum_sq"][0])), ("G after", after), ("eps", self.eps)]

    def _step(self, params: np.ndarray, grads: np.ndarray, out: np.ndarray) -> None:
        acc, tmp = self.state["sum_sq"], self._scratch["tmp"]
        np.multiply(grads, grads, out=tmp)
        acc += tmp
        np.sqrt(acc, out=tmp)
        tmp += self.eps
        np.divide(grads, tmp, out=out)
        out *= -self.lr
