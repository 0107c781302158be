"""mae: the mean absolute error."""

import numpy as np

from engine.losses.base import ResidualLoss


class MAE(ResidualLoss):
    name, order = "mae", 1
    formula = "mean |p - t|"
    tip = "Mean absolute error: less sensitive to outliers"

    def elementwise(self, r):
        return np.abs(r, out=r)

    def elementwise_grad(self, r, scale, out):
        np.sign(r, out=out)
        out *= scale
