"""huber: squared near zero, absolute beyond delta = 1 (smooth L1, PyTorch's default delta)."""

import numpy as np

from engine.losses.base import ResidualLoss

HUBER_DELTA = 1.0


class Huber(ResidualLoss):
    name, order = "huber", 2
    formula = "mean 0.5 r^2 if |r| <= 1 else |r| - 0.5  (r = p - t)"
    tip = "Squared error near zero, absolute error beyond 1: robust to outliers"

    def elementwise(self, r):
        a = np.abs(r)
        return np.where(a <= HUBER_DELTA, 0.5 * r * r, HUBER_DELTA * (a - 0.5 * HUBER_DELTA))

    def elementwise_grad(self, r, scale, out):
        np.clip(r, -HUBER_DELTA, HUBER_DELTA, out=out)
        out *= scale
