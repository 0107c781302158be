"""swish: z * sigmoid(z), also called SiLU."""

import numpy as np

from engine.activations.base import Activation, sigmoid_into


class Swish(Activation):
    name, order, aliases = "swish", 8, ("silu",)
    formula = "a = z * sigmoid(z)"
    tip = "z * sigmoid(z) (also called silu)"
    script = '''
def swish(z):
    """z * sigmoid(z) (also called SiLU)."""
    return sigmoid(z) * z
'''
    script_needs = ("sigmoid",)

    def forward(self, z, out):
        if out is z:
            return np.multiply(z, sigmoid_into(z, np.empty_like(z)), out=out)
        sigmoid_into(z, out)
        out *= z
        return out

    def derivative(self, z, a, out, work=None):
        # s (1 + z (1 - s)) = s (1 + z - a) with s = sigmoid(z), a = z s
        s = sigmoid_into(z, np.empty_like(z) if work is None else work)
        np.subtract(z, a, out=out)
        out += 1.0
        out *= s
        return out

    def onnx(self, g, z):
        return g.op("Mul", z, g.op("Sigmoid", z))
