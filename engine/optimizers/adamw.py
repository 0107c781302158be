"""AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay.

Update rule (Adam's m, v, m_hat, v_hat; lambda = config.l2; weights only, that
is where `decay_mask` is True — biases are not decayed):
    w <- w - lr * m_hat / (sqrt(v_hat) + eps) - lr * lambda * w

The decay uses the weights before this step, as PyTorch's AdamW does. The
trainer does not add l2 * w to the gradient for AdamW; the decay lives here.
With l2 = 0 it is exactly Adam.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from engine.optimizers.adam import Adam

if TYPE_CHECKING:  # spec.py reads the optimizer names from this package
    from engine.spec import TrainConfig


class AdamW(Adam):
    name = "adamw"
    order = 6  # place in menus and name lists
    formula = Adam.formula + " - lr * decay * w"
    tip = "Adam with L2 applied as decoupled weight decay"
    decoupled_decay = True

    def explain(self, before, w):
        return [*super().explain(before, w), ("decay", self.decay), ("w", w)]

    def __init__(self, config: TrainConfig, size: int, decay_mask: np.ndarray):
        super().__init__(config, size, decay_mask)
        self._mask = self.decay_mask.astype(self.dtype)  # multiply, not `where=`: no allocation

    def _convert(self, dtype: np.dtype) -> None:
        super()._convert(dtype)
        self._mask = self.decay_mask.astype(dtype)

    def _configure(self, config: TrainConfig) -> None:
        super()._configure(config)
        self.decay = float(config.l2)

    def _step(self, params: np.ndarray, grads: np.ndarray, out: np.ndarray) -> None:
        super()._step(params, grads, out)
        if self.decay > 0.0:
            tmp = self._scratch["tmp"]
            np.multiply(params, self.lr * self.decay, out=tmp)
            tmp *= self._mask
            out -= tmp
