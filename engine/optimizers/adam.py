"""Adam (Kingma & Ba 2015), PyTorch defaults.

Update rule (m, v start at 0; t counts steps from 1; beta1 0.9, beta2 0.999;
eps = config.eps or 1e-8, added outside the root):
    m <- beta1 * m + (1 - beta1) * g
    v <- beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t);  v_hat = v / (1 - beta2**t)
    w <- w - lr * m_hat / (sqrt(v_hat) + eps)

Computed as PyTorch does: denominator sqrt(v) / sqrt(1 - beta2**t) + eps and
step size lr / (1 - beta1**t), which is the same formula without a copy of m.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from engine.optimizers.base import Optimizer

if TYPE_CHECKING:  # spec.py reads the optimizer names from this package
    from engine.spec import TrainConfig


class Adam(Optimizer):
    name = "adam"
    order = 5  # place in menus and name lists
    state_names = ("m", "v")
    scratch_names = ("tmp",)
    default_eps = 1e-8
    formula = (
        "m <- b1*m + (1-b1)*g;  v <- b2*v + (1-b2)*g^2;  "
        "update = -lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)"
    )
    tip = "Momentum plus RMSprop-style scaling, with bias correction (a robust default)"

    def explain(self, before, w):
        t = self.step
        m, v = float(self.state["m"][0]), float(self.state["v"][0])
        c1, c2 = 1.0 - self.beta1**t, 1.0 - self.beta2**t
        return [
            ("b1", self.beta1),
            ("b2", self.beta2),
            ("t", t),
            ("m before", float(before["m"][0])),
            ("m after", m),
            ("v before", float(before["v"][0])),
            ("v after", v),
            ("1 - b1^t", c1),
            ("1 - b2^t", c2),
            ("m_hat", m / c1),
            ("v_hat", v / c2),
            ("eps", self.eps),
        ]

    def _configure(self, config: TrainConfig) -> None:
        self.beta1 = float(config.beta1)
        self.beta2 = float(config.beta2)

    def _step(self, params: np.ndarray, grads: np.ndarray, out: np.ndarray) -> None:
        m, v, tmp = self.state["m"], self.state["v"], self._scratch["tmp"]
        b1, b2, t = self.beta1, self.beta2, self.step
        m *= b1
        np.multiply(grads, 1.0 - b1, out=tmp)
        m += tmp
        v *= b2
        np.multiply(grads, grads, out=tmp)
        tmp *= 1.0 - b2
        v += tmp
        np.sqrt(v, out=tmp)
        tmp *= 1.0 / math.sqrt(1.0 - b2**t)
        tmp += self.eps
        np.divide(m, tmp, out=out)
        out *= -self.lr / (1.0 - b1**t)
