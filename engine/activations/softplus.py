"""softplus: log(1 + exp(z)) (beta 1), a smooth relu."""

import numpy as np

from engine.activations.base import Activation, sigmoid_into


class Softplus(Activation):
    """Computed as logaddexp(0, z), so it never overflows."""

    name, order = "softplus", 6
    formula = "a = log(1 + exp(z))"
    tip = "log(1 + exp(z)): a smooth relu"
    script = '''
def softplus(z):
    """log(1 + exp(z)), a smooth relu; logaddexp(0, z) never overflows."""
    return np.logaddexp(0.0, z)
'''

    def forward(self, z, out):
        return np.logaddexp(0.0, z, out=out)

    def derivative(self, z, a, out, work=None):
        return sigmoid_into(z, out)

    def onnx(self, g, z):
        # log(1 + exp(z)) computed stably as max(z, 0) + log(1 + exp(-|z|))
        tail = g.op("Exp", g.op("Neg", g.op("Abs", z)))
        tail = g.op("Log", g.op("Add", tail, g.scalar("one", 1.0)))
        return g.op("Add", g.op("Relu", z), tail)
