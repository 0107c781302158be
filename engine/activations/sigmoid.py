"""sigmoid: 1 / (1 + exp(-z)), in (0, 1)."""

import numpy as np

from engine.activations.base import Activation, sigmoid_into


class Sigmoid(Activation):
    name, kind, order = "sigmoid", "saturating", 5
    counted = "sigmoid"  # the layer statistics' dead / saturated fraction
    formula = "a = 1 / (1 + exp(-z))"
    tip = "Smooth, between 0 and 1; saturates, gradients vanish in deep stacks"
    script = '''
def sigmoid(z):
    """1 / (1 + exp(-z)), in (0, 1), computed as 0.5 (1 + tanh(z / 2)) so it never overflows."""
    return (np.tanh(z * 0.5) + 1.0) * 0.5
'''

    def forward(self, z, out):
        return sigmoid_into(z, out)

    def derivative(self, z, a, out, work=None):
        np.subtract(1.0, a, out=out)
        out *= a
        return out

    def onnx(self, g, z):
        return g.op("Sigmoid", z)
